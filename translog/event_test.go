package translog

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestEventRoundTrip(t *testing.T) {
	e := testEvent(4)
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "cairn/event/v1\ntype reinstated\ntime 2025-03-01T12:00:00.004Z\nissuer did:web:badges.example.edu\ncredential https://badges.example.edu/credentials/1\ndigest sha256:" +
		hex.EncodeToString(e.CredentialDigest[:]) + "\n"
	got, err := ParseEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.CredentialID != e.CredentialID || got.Issuer != e.Issuer || got.Type != e.Type ||
		got.CredentialDigest != e.CredentialDigest || !got.Time.Equal(e.Time) {
		t.Errorf("ParseEvent(Marshal(e)) = %+v, want %+v", got, e)
	}
	if string(b) != want {
		t.Errorf("Marshal = %q, want %q", b, want)
	}
}

func TestEventTimeIsUTCMilliseconds(t *testing.T) {
	e := testEvent(0)
	e.Time = time.Date(2025, 3, 1, 13, 0, 0, 123456789, time.FixedZone("CET", 3600))
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("\ntime 2025-03-01T12:00:00.123Z\n")) {
		t.Errorf("Marshal = %q, want UTC time to the millisecond", b)
	}
}

func TestEventMarshalErrors(t *testing.T) {
	for name, mod := range map[string]func(*Event){
		"unknown type":    func(e *Event) { e.Type = "expired" },
		"empty id":        func(e *Event) { e.CredentialID = "" },
		"space in id":     func(e *Event) { e.CredentialID = "urn:a b" },
		"newline issuer":  func(e *Event) { e.Issuer = "did:web:x\ndigest sha256:00" },
		"invalid utf8":    func(e *Event) { e.Issuer = "did:\xff" },
		"long id":         func(e *Event) { e.CredentialID = "urn:" + strings.Repeat("x", MaxFieldLen) },
		"zero time":       func(e *Event) { e.Time = time.Time{} },
		"year 10000":      func(e *Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"nbsp in issuer":  func(e *Event) { e.Issuer = "did:web:a\u00a0b" },
		"control in id":   func(e *Event) { e.CredentialID = "urn:\x7f" },
		"bidi control id": func(e *Event) { e.CredentialID = "urn:\u0085" },
	} {
		e := testEvent(1)
		mod(&e)
		if b, err := e.Marshal(); err == nil {
			t.Errorf("%s: Marshal = %q, want an error", name, b)
		}
	}
}

func TestParseEventRejectsNonCanonical(t *testing.T) {
	good, _ := testEvent(2).Marshal()
	s := string(good)
	for name, b := range map[string]string{
		"no final newline": strings.TrimSuffix(s, "\n"),
		"CRLF":             strings.ReplaceAll(s, "\n", "\r\n"),
		"extra line":       s + "extra x\n",
		"other version":    strings.Replace(s, "cairn/event/v1", "cairn/event/v2", 1),
		"uppercase digest": strings.Replace(s, "sha256:"+s[strings.Index(s, "sha256:")+7:][:4], "sha256:"+strings.ToUpper(s[strings.Index(s, "sha256:")+7:][:4]), 1),
		"short digest":     strings.Replace(s, "\n", "", 6)[:len(s)-10] + "\n",
		"seconds only":     strings.Replace(s, ".002Z", "Z", 1),
		"time zone":        strings.Replace(s, ".002Z", ".002+00:00", 1),
		"swapped lines":    strings.Replace(strings.Replace(s, "issuer ", "ISSUER ", 1), "credential ", "issuer ", 1),
		"double space":     strings.Replace(s, "type ", "type  ", 1),
		"unknown type":     strings.Replace(s, "type revoked", "type deleted", 1),
		"md5":              strings.Replace(s, "sha256:", "md5:", 1),
		"empty":            "",
	} {
		if _, err := ParseEvent([]byte(b)); err == nil {
			t.Errorf("%s: ParseEvent(%q) succeeded", name, b)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	for i := 0; i < 6; i++ {
		b, _ := testEvent(i).Marshal()
		f.Add(b)
	}
	f.Add([]byte("cairn/event/v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEvent(b)
		if err != nil {
			return
		}
		again, err := e.Marshal()
		if err != nil {
			t.Fatalf("parsed event does not marshal: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the event:\n%q\n%q", b, again)
		}
	})
}
