package jsonld

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// IRIError reports a string that cannot be an IRI of a canonical dataset:
// it has no scheme, holds a character that N-Quads cannot write inside <…>,
// or is not UTF-8. Reason says which, for a person.
type IRIError struct {
	IRI    string
	Reason string
}

func (e *IRIError) Error() string {
	return fmt.Sprintf("jsonld: %q is not an absolute IRI: %s", e.IRI, e.Reason)
}

// Unwrap makes every *IRIError an error about invalid JSON-LD.
func (e *IRIError) Unwrap() error { return errInvalid }

// CheckIRI applies the rule Canonicalize applies to every IRI it writes (a
// node id, a property, a type or a datatype), so that input can be refused
// before it is signed: an absolute IRI has a scheme (RFC 3987 §2.2:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), holds no character that
// RDF 1.1 N-Quads forbids in an IRIREF (U+0000 to U+0020 and <>"{}|^`\,
// https://www.w3.org/TR/n-quads/#grammar-production-IRIREF), and is valid
// UTF-8. It returns nil or an *IRIError.
//
// CheckIRI does not resolve or normalize: "https://e.org/a%20b" passes,
// "https://e.org/a b" does not.
func CheckIRI(iri string) error {
	if !hasScheme(iri) {
		return &IRIError{IRI: iri, Reason: "it has no scheme (such as https:)"}
	}
	for i := 0; i < len(iri); i++ {
		c := iri[i]
		switch {
		case c == ' ':
			return &IRIError{IRI: iri, Reason: "it contains a space; percent-encode it as %20"}
		case c < 0x20:
			return &IRIError{IRI: iri, Reason: fmt.Sprintf("it contains the control character U+%04X", c)}
		case strings.IndexByte("<>\"{}|^`\\", c) >= 0:
			return &IRIError{IRI: iri, Reason: fmt.Sprintf("it contains %q, which an IRI cannot hold; percent-encode it as %%%02X", string(c), c)}
		}
	}
	if !utf8.ValidString(iri) {
		return &IRIError{IRI: iri, Reason: "it is not valid UTF-8"}
	}
	return nil
}
