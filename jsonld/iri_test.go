package jsonld

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckIRI(t *testing.T) {
	for _, tc := range []struct {
		iri    string
		reason string // "" when the IRI is accepted
	}{
		{"https://e.org/a", ""},
		{"https://e.org/a%20b", ""},
		{"urn:uuid:0b6e9b5e-6c7e-4a43-8ac8-1e3f1b6a1d2c", ""},
		{"did:example:123", ""},
		{"https://e.org/é", ""},
		{"x+y.z-1:opaque", ""},
		{"https://e.org/a b", "space"},
		{"https://e.org/\t", "control character U+0009"},
		{"https://e.org/{", `"{"`},
		{"https://e.org/}", `"}"`},
		{"https://e.org/`", "\"`\""},
		{"https://e.org/|", `"|"`},
		{"https://e.org/^", `"^"`},
		{"https://e.org/<", `"<"`},
		{"https://e.org/>", `">"`},
		{`https://e.org/"`, `"\""`},
		{`https://e.org/\`, `"\\"`},
		{"https://e.org/\xff", "UTF-8"},
		{"", "no scheme"},
		{"e.org/a", "no scheme"},
		{"1http://e.org", "no scheme"},
		{":x", "no scheme"},
		{"ht tp://e.org", "no scheme"},
	} {
		t.Run(tc.iri, func(t *testing.T) {
			err := CheckIRI(tc.iri)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("CheckIRI(%q) = %v, want nil", tc.iri, err)
				}
				return
			}
			var ie *IRIError
			if !errors.As(err, &ie) || ie.IRI != tc.iri || !strings.Contains(ie.Reason, tc.reason) {
				t.Fatalf("CheckIRI(%q) = %v, want an *IRIError saying %q", tc.iri, err, tc.reason)
			}
		})
	}
}

// TestCheckIRIIsCanonicalizesRule: an IRI that CheckIRI accepts
// canonicalizes as a node id, and one it refuses (with a scheme) makes
// Canonicalize fail with the same *IRIError.
func TestCheckIRIIsCanonicalizesRule(t *testing.T) {
	for _, iri := range []string{"https://e.org/a", "https://e.org/a b", "https://e.org/{", "https://e.org/\xff", "did:example:a\"<b>"} {
		doc := map[string]any{"@context": map[string]any{"@vocab": "http://ex/"}, "@id": iri, "p": "v"}
		_, cerr := Canonicalize(context.Background(), doc, Options{})
		err := CheckIRI(iri)
		var ie *IRIError
		switch {
		case err == nil && cerr != nil:
			t.Errorf("%q: CheckIRI accepts it, Canonicalize fails: %v", iri, cerr)
		case err != nil && !errors.As(cerr, &ie):
			t.Errorf("%q: CheckIRI refuses it (%v), Canonicalize gives %v", iri, err, cerr)
		}
	}
}
