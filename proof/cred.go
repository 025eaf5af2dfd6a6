package proof

import (
	"fmt"
	"strings"
	"time"
)

// IssuerID returns the credential's issuer id: issuer when it is a string,
// issuer.id when it is an object, "" otherwise.
func IssuerID(cred map[string]any) string {
	switch v := cred["issuer"].(type) {
	case string:
		return v
	case map[string]any:
		id, _ := v["id"].(string)
		return id
	}
	return ""
}

// subjectID returns credentialSubject.id (of the first subject when there
// are several), "" when there is none.
func subjectID(cred map[string]any) string {
	switch v := cred["credentialSubject"].(type) {
	case map[string]any:
		id, _ := v["id"].(string)
		return id
	case []any:
		for _, s := range v {
			if m, ok := s.(map[string]any); ok {
				if id, ok := m["id"].(string); ok {
					return id
				}
			}
		}
	}
	return ""
}

// didOf returns the DID part of a DID URL ("did:web:x#k" → "did:web:x") and
// whether u is a DID URL.
func didOf(u string) (string, bool) {
	if !strings.HasPrefix(u, "did:") {
		return "", false
	}
	d := u
	if i := strings.IndexAny(d, "#?/"); i >= 0 {
		// A DID has no '/', '?' or '#'; a DID URL's path, query and fragment
		// start with them.
		d = d[:i]
	}
	return d, true
}

// checkController refuses to sign when vm is a DID URL whose DID is not the
// issuer (a verifier would reject the proof).
func checkController(issuer, vm string) error {
	if d, ok := didOf(vm); ok && d != issuer {
		return cannotSign("issuer %q is not the controller of verification method %q (DID %q)", issuer, vm, d)
	}
	return nil
}

// deepCopy copies a JSON value (maps, slices, scalars).
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// without returns a shallow copy of m without the given keys.
func without(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// parseDateTime parses an XML Schema dateTime as used by VC (RFC 3339, with
// or without fractional seconds; a missing time zone is read as UTC).
func parseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an XML Schema dateTime", s)
}

// formatDateTime formats t as an XML Schema dateTime in UTC with second
// precision, the form used for "created".
func formatDateTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}
