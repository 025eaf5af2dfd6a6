package status

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func readJSON(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBitOrder(t *testing.T) {
	b, err := New(MinEntries)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 9, MinEntries - 1} {
		if err := b.Set(i, true); err != nil {
			t.Fatal(err)
		}
	}
	raw := b.Bytes()
	if raw[0] != 0x80 || raw[1] != 0x40 || raw[len(raw)-1] != 0x01 {
		t.Errorf("bytes = %02x %02x … %02x, want 80 40 … 01", raw[0], raw[1], raw[len(raw)-1])
	}
	if err := b.Set(9, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Get(9); v {
		t.Error("Get(9) after clearing = true")
	}
	if _, err := b.Get(MinEntries); err == nil {
		t.Error("Get(len) succeeded")
	}
	if err := b.Set(-1, true); err == nil {
		t.Error("Set(-1) succeeded")
	}
}

func TestNewRefusesSmallLists(t *testing.T) {
	for _, n := range []int{0, 8, MinEntries - 8, MinEntries + 1} {
		if _, err := New(n); err == nil {
			t.Errorf("New(%d) succeeded", n)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	b, _ := New(MinEntries)
	set := []int{1, 23, 4096, 131071}
	for _, i := range set {
		b.Set(i, true)
	}
	enc := b.Encode()
	if !strings.HasPrefix(enc, "uH4sI") || strings.ContainsAny(enc, "+/=") {
		t.Errorf("Encode() = %.20q…, want multibase base64url without padding", enc)
	}
	got, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), b.Bytes()) {
		t.Fatal("round trip changed the bits")
	}
	// StatusList2021 form: no multibase prefix, padding allowed.
	padded := base64.URLEncoding.EncodeToString(mustB64(t, enc[1:]))
	got, err = Decode(padded)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), b.Bytes()) {
		t.Fatal("padded form decoded differently")
	}
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeAnyMultipleOf8(t *testing.T) {
	b := FromBytes([]byte{0x01})
	got, err := Decode(b.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 8 {
		t.Errorf("Len() = %d, want 8", got.Len())
	}
	if v, _ := got.Get(7); !v {
		t.Error("bit 7 not set")
	}
}

func gz(t testing.TB, b []byte) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeRefusesBomb(t *testing.T) {
	enc := gz(t, make([]byte, MaxDecodedBytes+1))
	if len(enc) > 64<<10 {
		t.Fatalf("bomb is %d bytes; expected a small input", len(enc))
	}
	_, err := Decode(enc)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Decode(bomb) err = %v, want ErrTooLarge", err)
	}
	// Exactly at the limit is accepted.
	if _, err := Decode(gz(t, make([]byte, MaxDecodedBytes))); err != nil {
		t.Fatalf("Decode(limit) err = %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":     "",
		"notbase64": "u!!!",
		"notgzip":   "u" + base64.RawURLEncoding.EncodeToString([]byte("hello world")),
		"truncated": gz(t, make([]byte, 1024))[:20],
		"emptylist": gz(t, nil),
	} {
		if _, err := Decode(in); err == nil {
			t.Errorf("%s: Decode succeeded", name)
		}
	}
}

func TestOneEdTechBitstringVector(t *testing.T) {
	list, err := ParseListCredential(readJSON(t, "testlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	if list.Type != TypeBitstringCredential || list.Purpose != Revocation ||
		list.Issuer != "https://1edtech.edu/issuers/565049" || list.Bits.Len() != 131072 ||
		!list.ValidFrom.Equal(time.Date(2021, 4, 5, 14, 27, 40, 0, time.UTC)) {
		t.Fatalf("list = %+v", list)
	}
	for i := range list.Bits.Len() {
		if v, _ := list.Bits.Get(i); v != (i == 23) {
			t.Fatalf("bit %d = %v", i, v)
		}
	}
	cred := readJSON(t, "credential-status-revoked.json")
	entry, err := ParseEntry(cred["credentialStatus"])
	if err != nil {
		t.Fatal(err)
	}
	if entry.Index != 23 || entry.Type != TypeBitstringEntry || !strings.HasSuffix(entry.ListURL(), "/testlist") {
		t.Fatalf("entry = %+v", entry)
	}
	st, err := Check(entry, list, cred["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Set || st.Purpose != Revocation {
		t.Errorf("status = %+v, want revoked", st)
	}
	entry.Index = 22
	if st, _ := Check(entry, list, ""); st.Set {
		t.Error("index 22 reported set")
	}
	entry.Index = 131072
	if _, err := Check(entry, list, ""); err == nil {
		t.Error("out-of-range index accepted")
	}
	entry.Index = 23
	entry.Purpose = Suspension
	if _, err := Check(entry, list, ""); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("purpose mismatch: err = %v", err)
	}
}

func TestOneEdTechRevocationList(t *testing.T) {
	cred := readJSON(t, "credential-status-1edtech-revocationlist.json")
	entry, err := ParseEntry(cred["credentialStatus"])
	if err != nil {
		t.Fatal(err)
	}
	if entry.Type != Type1EdTechRevocationList || entry.ListURL() != cred["credentialStatus"].(map[string]any)["id"] {
		t.Fatalf("entry = %+v", entry)
	}
	id := cred["id"].(string)
	var doc map[string]any
	json.Unmarshal([]byte(`{"id":"https://example.org/rl","revokedCredentials":[
		{"id":"urn:x:other"},
		{"id":"urn:x:unrevoked","revoked":false},
		{"id":"`+id+`","revocationReason":"Issued in error"}]}`), &doc)
	list, err := ParseListCredential(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id     string
		set    bool
		reason string
	}{
		{id, true, "Issued in error"},
		{"urn:x:other", true, ""},
		{"urn:x:unrevoked", false, ""},
		{"urn:x:absent", false, ""},
	} {
		st, err := Check(entry, list, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Set != tc.set || st.Reason != tc.reason {
			t.Errorf("%s: status = %+v", tc.id, st)
		}
	}
	if _, err := Check(entry, list, ""); err == nil {
		t.Error("credential without id accepted")
	}
	bitList, _ := ParseListCredential(readJSON(t, "testlist.json"))
	if _, err := Check(entry, bitList, id); err == nil {
		t.Error("1EdTech entry checked against a bitstring list")
	}
}

func TestStatusList2021(t *testing.T) {
	b, _ := New(MinEntries)
	b.Set(94567, true)
	enc := strings.TrimPrefix(b.Encode(), "u")
	var doc map[string]any
	json.Unmarshal([]byte(`{"@context":["https://www.w3.org/2018/credentials/v1","https://w3id.org/vc/status-list/2021/v1"],
		"type":["VerifiableCredential","StatusList2021Credential"],"id":"https://example.com/sl/1",
		"issuer":{"id":"did:example:issuer"},"issuanceDate":"2024-01-01T00:00:00Z","expirationDate":"2025-01-01T00:00:00Z",
		"credentialSubject":{"type":"StatusList2021","statusPurpose":"suspension","encodedList":"`+enc+`"}}`), &doc)
	list, err := ParseListCredential(doc)
	if err != nil {
		t.Fatal(err)
	}
	if list.Issuer != "did:example:issuer" || list.ValidUntil.Year() != 2025 {
		t.Errorf("list = %+v", list)
	}
	if err := list.CurrentAt(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("expired list reported current")
	}
	if err := list.CurrentAt(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Error(err)
	}
	entry, err := ParseEntry(map[string]any{"id": "https://example.com/sl/1#94567", "type": "StatusList2021Entry",
		"statusPurpose": "suspension", "statusListIndex": "94567", "statusListCredential": "https://example.com/sl/1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Check(entry, list, "")
	if err != nil || !st.Set || st.Purpose != Suspension {
		t.Errorf("Check = %+v, %v", st, err)
	}
}

func TestParseEntryErrors(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{"id": "https://example.com/s#5", "type": "BitstringStatusListEntry",
			"statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": "https://example.com/s"}
	}
	if _, err := ParseEntry(good()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"notobject", nil, "credentialStatus is"},
		{"notype", func(m map[string]any) { delete(m, "type") }, "credentialStatus.type"},
		{"badtype", func(m map[string]any) { m["type"] = "RevocationList2020Status" }, "credentialStatus.type"},
		{"badid", func(m map[string]any) { m["id"] = "not a url" }, "credentialStatus.id"},
		{"nopurpose", func(m map[string]any) { delete(m, "statusPurpose") }, "statusPurpose"},
		{"badpurpose", func(m map[string]any) { m["statusPurpose"] = "Revoked" }, "statusPurpose"},
		{"noindex", func(m map[string]any) { delete(m, "statusListIndex") }, "statusListIndex"},
		{"negindex", func(m map[string]any) { m["statusListIndex"] = "-1" }, "statusListIndex"},
		{"hexindex", func(m map[string]any) { m["statusListIndex"] = "0x10" }, "statusListIndex"},
		{"hugeindex", func(m map[string]any) { m["statusListIndex"] = "99999999999999999999" }, "statusListIndex"},
		{"fracindex", func(m map[string]any) { m["statusListIndex"] = 1.5 }, "statusListIndex"},
		{"boolindex", func(m map[string]any) { m["statusListIndex"] = true }, "statusListIndex"},
		{"nolist", func(m map[string]any) { delete(m, "statusListCredential") }, "statusListCredential"},
		{"relativelist", func(m map[string]any) { m["statusListCredential"] = "/status/1" }, "statusListCredential"},
		{"sizewithrevocation", func(m map[string]any) { m["statusSize"] = "2" }, "statusSize"},
		{"1edtechnoid", func(m map[string]any) { m["type"] = "1EdTechRevocationList"; delete(m, "id") }, "credentialStatus.id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v any = "string"
			if tc.edit != nil {
				m := good()
				tc.edit(m)
				v = m
			}
			_, err := ParseEntry(v)
			if err == nil {
				t.Fatal("ParseEntry succeeded")
			}
			if !strings.Contains(err.Error(), tc.field) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q, want one line naming %s", err, tc.field)
			}
		})
	}
	m := good()
	m["statusListIndex"] = float64(7)
	if e, err := ParseEntry(m); err != nil || e.Index != 7 {
		t.Errorf("numeric index: %+v, %v", e, err)
	}
	es, err := ParseEntries([]any{good(), good()})
	if err != nil || len(es) != 2 {
		t.Errorf("ParseEntries = %v, %v", es, err)
	}
	if _, err := ParseEntries([]any{good(), "x"}); err == nil || !strings.Contains(err.Error(), "credentialStatus[1]") {
		t.Errorf("ParseEntries bad item: %v", err)
	}
}

func TestMultiBitStatus(t *testing.T) {
	b, _ := New(MinEntries)
	// Entry 3 with statusSize 2 covers bits 6 and 7: value 0b10.
	b.Set(6, true)
	list := &List{Type: TypeBitstringCredential, Purpose: Message, Bits: b}
	e, err := ParseEntry(map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "message",
		"statusListIndex": "3", "statusSize": 2, "statusListCredential": "https://example.com/s"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Check(e, list, "")
	if err != nil || st.Value != 2 || !st.Set {
		t.Errorf("Check = %+v, %v", st, err)
	}
	e.Index = MinEntries / 2
	if _, err := Check(e, list, ""); err == nil {
		t.Error("multi-bit index past the end accepted")
	}
}

func TestParseListErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m, s map[string]any)
	}{
		{"type", func(m, s map[string]any) { m["type"] = []any{"VerifiableCredential"} }},
		{"subjecttype", func(m, s map[string]any) { s["type"] = "Other" }},
		{"purpose", func(m, s map[string]any) { delete(s, "statusPurpose") }},
		{"encodedlist", func(m, s map[string]any) { s["encodedList"] = 5 }},
		{"badlist", func(m, s map[string]any) { s["encodedList"] = "uAAAA" }},
		{"date", func(m, s map[string]any) { m["validFrom"] = "yesterday" }},
		{"subject", func(m, s map[string]any) { m["credentialSubject"] = "x" }},
		{"revoked", func(m, s map[string]any) { m["revokedCredentials"] = []any{map[string]any{}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := readJSON(t, "testlist.json")
			tc.edit(m, m["credentialSubject"].(map[string]any))
			if _, err := ParseListCredential(m); err == nil {
				t.Error("ParseListCredential succeeded")
			}
		})
	}
}

func TestNewListCredential(t *testing.T) {
	b, _ := New(MinEntries)
	b.Set(42, true)
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doc, err := NewListCredential("https://issuer.example/status/1", "did:web:issuer.example", Revocation, b, from, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(doc)
	var back map[string]any
	json.Unmarshal(raw, &back)
	if back["@context"].([]any)[0] != ContextV2 || back["validUntil"] != nil ||
		back["credentialSubject"].(map[string]any)["id"] != "https://issuer.example/status/1#list" {
		t.Errorf("doc = %s", raw)
	}
	list, err := ParseListCredential(back)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEntry(jsonRoundTrip(t, NewEntry("https://issuer.example/status/1", Revocation, 42)))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := Check(e, list, ""); err != nil || !st.Set {
		t.Errorf("Check = %+v, %v", st, err)
	}
	small := FromBytes(make([]byte, 16))
	if _, err := NewListCredential("https://issuer.example/status/1", "did:web:x", Revocation, small, from, time.Time{}); err == nil {
		t.Error("small list accepted for issuing")
	}
	if _, err := NewListCredential("https://issuer.example/status/1", "did:web:x", "revoked", b, from, time.Time{}); err == nil {
		t.Error("bad purpose accepted")
	}
	doc, err = NewListCredential("https://issuer.example/status/1", "did:web:x", Suspension, b, from, from.Add(time.Hour))
	if err != nil || doc["validUntil"] != "2026-01-02T04:04:05Z" {
		t.Errorf("validUntil: %v, %v", doc["validUntil"], err)
	}
}

func jsonRoundTrip(t *testing.T, v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	json.Unmarshal(raw, &out)
	return out
}

func TestRandomIndex(t *testing.T) {
	const size = 64
	used := make(map[int]bool)
	for range size {
		i, err := RandomIndex(func(i int) bool { return used[i] }, size)
		if err != nil {
			t.Fatal(err)
		}
		if i < 0 || i >= size || used[i] {
			t.Fatalf("RandomIndex = %d (used %v)", i, used[i])
		}
		used[i] = true
	}
	if _, err := RandomIndex(func(i int) bool { return used[i] }, size); !errors.Is(err, ErrFull) {
		t.Errorf("full list: err = %v, want ErrFull", err)
	}
	// Not sequential: 20 draws from a large list are not all in order.
	prev, ordered := -1, true
	for range 20 {
		i, _ := RandomIndex(func(int) bool { return false }, MinEntries)
		ordered = ordered && i > prev
		prev = i
	}
	if ordered {
		t.Error("20 random indexes came out in increasing order")
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := New(MinEntries)
	b.Set(23, true)
	f.Add(b.Encode())
	f.Add(strings.TrimPrefix(b.Encode(), "u"))
	f.Add("uH4sIAAAAAAAA_-3BMQEAAAzDoMy_6cnoA9QFAAAAAAAAAAAAAAAAAAAAbD3uPa2cAEAAAA")
	f.Add("")
	f.Add("u")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Decode(s)
		if err != nil {
			return
		}
		if got.Len() == 0 || got.Len()%8 != 0 || got.Len() > MaxDecodedBytes*8 {
			t.Fatalf("Len() = %d", got.Len())
		}
		again, err := Decode(got.Encode())
		if err != nil || !bytes.Equal(again.Bytes(), got.Bytes()) {
			t.Fatalf("re-encode round trip failed: %v", err)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	bs, _ := New(MinEntries)
	for i := 0; i < MinEntries; i += 997 {
		bs.Set(i, true)
	}
	b.ReportAllocs()
	for b.Loop() {
		bs.Encode()
	}
}

func BenchmarkDecode(b *testing.B) {
	bs, _ := New(MinEntries)
	for i := 0; i < MinEntries; i += 997 {
		bs.Set(i, true)
	}
	enc := bs.Encode()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}
