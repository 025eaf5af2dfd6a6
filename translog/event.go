package translog

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EventType says what happened to a credential. The set is closed: a log
// entry with any other type does not parse.
type EventType string

// The event types. Each names a change that a verifier may need to see in
// the credential's history.
const (
	Issued     EventType = "issued"     // first signature of a credential
	Reissued   EventType = "reissued"   // a new signature replacing an earlier one
	Revoked    EventType = "revoked"    // permanently withdrawn
	Suspended  EventType = "suspended"  // temporarily withdrawn
	Reinstated EventType = "reinstated" // a suspension lifted
	Renewed    EventType = "renewed"    // validity extended
)

// Valid reports whether t is one of the defined event types.
func (t EventType) Valid() bool {
	switch t {
	case Issued, Reissued, Revoked, Suspended, Reinstated, Renewed:
		return true
	}
	return false
}

// eventHeader is the first line of every encoded event. It versions the
// encoding: a later format gets a new header, and entries already in a log
// keep the header they were written with.
const eventHeader = "cairn/event/v1"

// timeLayout is the only time format of an encoded event: UTC, fixed
// millisecond precision.
const timeLayout = "2006-01-02T15:04:05.000Z"

// MaxFieldLen is the largest encoded length in bytes of an event's
// CredentialID or Issuer.
const MaxFieldLen = 2048

// Event is one record of the issuance log: something happened to one
// credential. It carries identifiers and a digest only, never personal data:
// the credential itself stays with the issuer and the holder, and the digest
// proves which exact bytes were signed.
type Event struct {
	// CredentialID is the credential's id (a URL or URN).
	CredentialID string
	// Issuer is the issuer's id (a DID or URL).
	Issuer string
	// CredentialDigest is the SHA-256 of the exact signed credential bytes
	// (crypto/sha256.Sum256 of what the issuer stored and served).
	CredentialDigest [32]byte
	// Type is what happened.
	Type EventType
	// Time is when it happened. It is recorded in UTC to the millisecond;
	// finer precision is dropped by Marshal.
	Time time.Time
}

// Marshal returns the canonical encoding of e, the bytes that are logged
// and hashed into the tree. The encoding is six newline-terminated lines:
//
//	cairn/event/v1
//	type issued
//	time 2025-03-01T12:00:00.000Z
//	issuer did:web:example.edu
//	credential https://example.edu/credentials/3b1c
//	digest sha256:<64 lowercase hexadecimal digits>
//
// Field values are non-empty UTF-8 of at most [MaxFieldLen] bytes with no
// spaces or control characters, so that every event has exactly one
// encoding and every encoding one event. Marshal returns an error for an
// event that cannot be encoded that way.
func (e Event) Marshal() ([]byte, error) {
	if !e.Type.Valid() {
		return nil, fmt.Errorf("translog: event type %q is not one of issued, reissued, revoked, suspended, reinstated, renewed", e.Type)
	}
	if err := checkField("credential", e.CredentialID); err != nil {
		return nil, err
	}
	if err := checkField("issuer", e.Issuer); err != nil {
		return nil, err
	}
	if e.Time.IsZero() {
		return nil, fmt.Errorf("translog: event time is not set")
	}
	t := e.Time.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return nil, fmt.Errorf("translog: event time %v is out of range", t)
	}
	b := make([]byte, 0, len(eventHeader)+len(e.CredentialID)+len(e.Issuer)+160)
	b = append(b, eventHeader+"\ntype "...)
	b = append(b, e.Type...)
	b = append(b, "\ntime "...)
	b = t.AppendFormat(b, timeLayout)
	b = append(b, "\nissuer "...)
	b = append(b, e.Issuer...)
	b = append(b, "\ncredential "...)
	b = append(b, e.CredentialID...)
	b = append(b, "\ndigest sha256:"...)
	b = hex.AppendEncode(b, e.CredentialDigest[:])
	b = append(b, '\n')
	return b, nil
}

func checkField(name, v string) error {
	if v == "" {
		return fmt.Errorf("translog: event %s is empty", name)
	}
	if len(v) > MaxFieldLen {
		return fmt.Errorf("translog: event %s is longer than %d bytes", name, MaxFieldLen)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("translog: event %s is not valid UTF-8", name)
	}
	for i := 0; i < len(v); {
		if c := v[i]; c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				return fmt.Errorf("translog: event %s contains a space or control character %U", name, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(v[i:])
		i += n
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return fmt.Errorf("translog: event %s contains a space or control character %U", name, r)
		}
	}
	return nil
}

// ParseEvent decodes an event encoded by [Event.Marshal]. It accepts only
// the canonical encoding: ParseEvent(b) succeeds exactly when Marshal of
// its result returns b again.
func ParseEvent(b []byte) (Event, error) {
	var e Event
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return e, fmt.Errorf("translog: event does not end with a newline")
	}
	lines := strings.Split(string(b[:len(b)-1]), "\n")
	if len(lines) != 6 {
		return e, fmt.Errorf("translog: event has %d lines, want 6", len(lines))
	}
	if lines[0] != eventHeader {
		return e, fmt.Errorf("translog: event header %.40q is not %q", lines[0], eventHeader)
	}
	keys := [...]string{"type", "time", "issuer", "credential", "digest"}
	var vals [5]string
	for i, k := range keys {
		v, ok := strings.CutPrefix(lines[i+1], k+" ")
		if !ok {
			return e, fmt.Errorf("translog: event line %d is not %q", i+2, k)
		}
		vals[i] = v
	}
	e.Type = EventType(vals[0])
	t, err := time.Parse(timeLayout, vals[1])
	if err != nil {
		return Event{}, fmt.Errorf("translog: event time: %v", err)
	}
	e.Time = t
	e.Issuer = vals[2]
	e.CredentialID = vals[3]
	d, ok := strings.CutPrefix(vals[4], "sha256:")
	if !ok || len(d) != 64 { // uppercase hex is rejected by the canonical check below
		return Event{}, fmt.Errorf("translog: event digest is not sha256: and 64 lowercase hexadecimal digits")
	}
	if _, err := hex.Decode(e.CredentialDigest[:], []byte(d)); err != nil {
		return Event{}, fmt.Errorf("translog: event digest: %v", err)
	}
	// Marshal checks every field; comparing its output with the input
	// rejects every non-canonical spelling the piecewise parse let through.
	again, err := e.Marshal()
	if err != nil {
		return Event{}, err
	}
	if !bytes.Equal(again, b) {
		return Event{}, fmt.Errorf("translog: event is not in canonical form")
	}
	return e, nil
}
