package did

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckSyntax(t *testing.T) {
	for _, tc := range []struct {
		s      string
		reason string // "" when s is a DID
	}{
		{"did:example:123456789abcdefghi", ""},
		{"did:web:example.com", ""},
		{"did:web:example.com:u:alice", ""},
		{"did:web:localhost%3A8443", ""},
		{"did:key:z6MkjaqVkRaaAWyCMEbco1UHZtzj99f4bBjakBmQyWgAJByB", ""},
		{"did:example:a::b", ""}, // empty segments are allowed
		{"did:example::b", ""},
		{"did:ex4mple:A.b-c_d", ""},
		{"did:x", "no method-specific id"},
		{"did:x:", "must not be empty"},
		{"did:example:a:", "end with"},
		{"did:", "no method name"},
		{"did::a", "method name is empty"},
		{"did:Example:a", "a-z and 0-9"},
		{"did:ex-ample:a", "a-z and 0-9"},
		{"DID:example:a", "does not start"},
		{"example:a", "does not start"},
		{"", "does not start"},
		{`did:example:a"<b>`, `holds "\""`},
		{"did:example:a b", `holds " "`},
		{"did:example:é", `holds "é"`},
		{"did:example:a\xff", `holds "\xff"`},
		{"did:example:%zz", "percent-encoded"},
		{"did:example:%4", "percent-encoded"},
		{"did:example:a%", "percent-encoded"},
		{"did:example:a/b", "DID URL"},
		{"did:example:a?b=c", "DID URL"},
		{"did:example:a#key-1", "DID URL"},
	} {
		t.Run(tc.s, func(t *testing.T) {
			err := CheckSyntax(tc.s)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("CheckSyntax(%q) = %v, want nil", tc.s, err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.DID != tc.s || !strings.Contains(se.Reason, tc.reason) {
				t.Fatalf("CheckSyntax(%q) = %v, want a *SyntaxError saying %q", tc.s, err, tc.reason)
			}
		})
	}
}

// FuzzCheckSyntax checks CheckSyntax against a second reading of the
// grammar: a DID is "did:", a method of a-z0-9, ":", and segments of
// idchars joined by ":", the last one not empty.
func FuzzCheckSyntax(f *testing.F) {
	for _, s := range []string{"did:example:123", "did:web:localhost%3A8443:u", "did:x", "did:a:b:", "did:A:b", `did:example:a"<b>`, "did:e:%4g", "did:e:a#f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckSyntax(s)
		if want := grammar(s); (err == nil) != want {
			t.Fatalf("CheckSyntax(%q) = %v, grammar says %v", s, err, want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "did: ") {
			t.Fatalf("error %q", err)
		}
	})
}

func grammar(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 3 || parts[0] != "did" || parts[1] == "" || parts[len(parts)-1] == "" {
		return false
	}
	for _, c := range parts[1] {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789", c) {
			return false
		}
	}
	for _, seg := range parts[2:] {
		for i := 0; i < len(seg); i++ {
			switch c := seg[i]; {
			case strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", c) >= 0:
			case c == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]):
				i += 2
			default:
				return false
			}
		}
	}
	return true
}
