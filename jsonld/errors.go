package jsonld

import (
	"errors"
	"fmt"
)

// ErrLimit is wrapped by every error that reports a work budget (Limits) being
// exceeded. The message says which limit.
var ErrLimit = errors.New("jsonld: limit exceeded")

// limitErr returns an error wrapping ErrLimit that names the limit.
func limitErr(name string, limit int) error {
	return fmt.Errorf("%w: %s (%d)", ErrLimit, name, limit)
}

// UndefinedTermError reports a term that no context in scope defines: a
// property that does not expand to an absolute IRI, or a value (typically a
// "type") that would become a relative IRI. Path, when known, is a JSON
// Pointer (RFC 6901) to where the term appears in the input document.
type UndefinedTermError struct {
	Term string
	Path string
}

func (e *UndefinedTermError) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("jsonld: undefined term %q at %s", e.Term, e.Path)
	}
	return fmt.Sprintf("jsonld: undefined term %q", e.Term)
}

// UnknownContextError reports an @context URL that is not embedded in this
// package. Contexts are never fetched from the network.
type UnknownContextError struct {
	URL string
}

func (e *UnknownContextError) Error() string {
	return fmt.Sprintf("jsonld: unknown context %q (only embedded contexts are served)", e.URL)
}
