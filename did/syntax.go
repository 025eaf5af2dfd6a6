package did

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports a string that is not a DID. Reason says why, for a
// person.
type SyntaxError struct {
	DID    string
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("did: %q is not a DID: %s", e.DID, e.Reason)
}

// CheckSyntax reports whether s is a DID as DID Core §3.1 defines it
// (https://www.w3.org/TR/did-core/#did-syntax):
//
//	did                = "did:" method-name ":" method-specific-id
//	method-name        = 1*method-char
//	method-char        = %x61-7A / DIGIT
//	method-specific-id = *( *idchar ":" ) 1*idchar
//	idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
//	pct-encoded        = "%" HEXDIG HEXDIG
//
// A DID URL (with a path, query or fragment) is not a DID. It returns nil or
// a *SyntaxError.
func CheckSyntax(s string) error {
	fail := func(format string, args ...any) error {
		return &SyntaxError{DID: s, Reason: fmt.Sprintf(format, args...)}
	}
	rest, ok := strings.CutPrefix(s, "did:")
	if !ok {
		return fail(`it does not start with "did:"`)
	}
	method, id, ok := strings.Cut(rest, ":")
	switch {
	case !ok && method == "":
		return fail(`it has no method name (as in did:web:example.org)`)
	case !ok:
		return fail(`it has no method-specific id after "did:%s:"`, method)
	case method == "":
		return fail(`its method name is empty`)
	}
	for i := 0; i < len(method); i++ {
		if c := method[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fail("its method name %q may hold only a-z and 0-9", method)
		}
	}
	if id == "" || strings.HasSuffix(id, ":") {
		return fail(`its method-specific id must not be empty or end with ":"`)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_', c == ':':
		case c == '%':
			if i+2 >= len(id) || !isHex(id[i+1]) || !isHex(id[i+2]) {
				return fail(`"%%" must start a percent-encoded byte such as %%3A`)
			}
			i += 2
		case c == '/' || c == '?' || c == '#':
			return fail("it is a DID URL (with %q); give the DID alone", string(c))
		default:
			return fail("its method-specific id holds %q; only letters, digits, \".\", \"-\", \"_\", \":\" and percent-encoded bytes are allowed", firstChar(id[i:]))
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// firstChar returns the character that starts s: one rune, or one byte
// when s does not start with valid UTF-8 (%q then shows it as \xff).
func firstChar(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
