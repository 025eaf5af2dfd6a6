// Package jsonld turns JSON-LD documents into canonical RDF, offline and
// within a work budget.
//
// Canonicalize expands a JSON-LD document (in safe mode) into an RDF dataset
// and canonicalizes that dataset with this package's own implementation of
// RDF Dataset Canonicalization RDFC-1.0 (https://www.w3.org/TR/rdf-canon/),
// writing canonical N-Quads. This is the transformation step of the Data
// Integrity cryptosuites eddsa-rdfc-2022 and Ed25519Signature2020 used by
// Open Badges 3.0 and CLR 2.0.
//
// Expansion has two implementations. A fast path (fastctx.go,
// fastexpand.go) covers the JSON-LD 1.1 subset that credentials use and
// caches processed contexts, including every type- and property-scoped
// context, for the life of the process. Anything it does not cover, and
// every error, is handed to github.com/piprate/json-gold, which stays the
// reference: differential tests and a fuzz target check that both give the
// same expanded document.
//
// Contexts are never fetched: the package embeds the contexts Open Badges,
// CLR and Verifiable Credentials use (ContextURLs lists them) and refuses any
// other with an *UnknownContextError. A property or type that no context
// defines is refused with an *UndefinedTermError, so that what is signed is
// exactly what a verifier in another language will see.
//
// Canonicalization is exponential in the worst case (rdf-canon test074,
// "poison clique"), so every call runs under Limits and a context.Context;
// exceeding a limit returns an error wrapping ErrLimit, and a cancelled or
// expired context returns the context's error.
package jsonld

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Limits bounds the work one canonicalization may do. A zero field means the
// default from DefaultLimits; a negative one means no limit.
//
// The limits on the shape of a JSON document (MaxDepth, MaxNodes,
// MaxArrayElements, MaxProperties, MaxContexts) are checked by one bounded
// walk of the document before expansion starts (see [CheckLimits]), so that
// hostile input is refused before any costly work; MaxQuads is checked as
// each quad is produced, and MaxBlankNodes and MaxWork during
// canonicalization.
type Limits struct {
	MaxInputBytes    int // size of the JSON (or N-Quads) input, in bytes
	MaxQuads         int // quads in the dataset
	MaxBlankNodes    int // distinct blank nodes in the dataset
	MaxWork          int // hashing and permutation steps in RDFC-1.0
	MaxDepth         int // nesting of JSON objects and arrays
	MaxNodes         int // JSON objects in the document
	MaxArrayElements int // elements of all the document's arrays together
	MaxProperties    int // members of all the document's objects together
	MaxContexts      int // @context entries (top-level, embedded and scoped inline)
}

// DefaultLimits are generous for any credential yet stop hostile input in
// well under a second. A large CLR transcript (a hundred inner credentials
// with their proofs) uses about a quarter of each.
var DefaultLimits = Limits{
	MaxInputBytes:    1 << 20,
	MaxQuads:         10_000,
	MaxBlankNodes:    1_000,
	MaxWork:          1_000_000,
	MaxDepth:         64,
	MaxNodes:         10_000,
	MaxArrayElements: 20_000,
	MaxProperties:    40_000,
	MaxContexts:      64,
}

// withDefaults fills zero fields from DefaultLimits and turns negative ones
// into 0 (no limit).
func (l Limits) withDefaults() Limits {
	fill := func(v, d int) int {
		switch {
		case v == 0:
			return d
		case v < 0:
			return 0
		}
		return v
	}
	return Limits{
		MaxInputBytes:    fill(l.MaxInputBytes, DefaultLimits.MaxInputBytes),
		MaxQuads:         fill(l.MaxQuads, DefaultLimits.MaxQuads),
		MaxBlankNodes:    fill(l.MaxBlankNodes, DefaultLimits.MaxBlankNodes),
		MaxWork:          fill(l.MaxWork, DefaultLimits.MaxWork),
		MaxDepth:         fill(l.MaxDepth, DefaultLimits.MaxDepth),
		MaxNodes:         fill(l.MaxNodes, DefaultLimits.MaxNodes),
		MaxArrayElements: fill(l.MaxArrayElements, DefaultLimits.MaxArrayElements),
		MaxProperties:    fill(l.MaxProperties, DefaultLimits.MaxProperties),
		MaxContexts:      fill(l.MaxContexts, DefaultLimits.MaxContexts),
	}
}

// Options configures Canonicalize. The zero value uses DefaultLimits.
type Options struct {
	Limits Limits
}

// CanonicalizeNQuads canonicalizes an RDF dataset given as N-Quads with
// RDFC-1.0 and returns the canonical N-Quads document (each line ending in
// "\n", sorted, without duplicates).
func CanonicalizeNQuads(ctx context.Context, nquads string, limits Limits) (string, error) {
	out, _, err := canonicalizeNQuads(ctx, nquads, limits)
	return out, err
}

func canonicalizeNQuads(ctx context.Context, nquads string, limits Limits) (string, map[string]string, error) {
	lim := limits.withDefaults()
	if lim.MaxInputBytes > 0 && len(nquads) > lim.MaxInputBytes {
		return "", nil, limitErr("MaxInputBytes", lim.MaxInputBytes)
	}
	if err := ctx.Err(); err != nil {
		return "", nil, err
	}
	quads, err := parseNQuads(nquads, lim.MaxQuads)
	if err != nil {
		return "", nil, err
	}
	quads = dedupe(quads)
	return canonicalize(ctx, quads, lim)
}

// dedupe removes repeated quads, keeping the first of each: a dataset is a
// set. It sorts indexes rather than hashing quads, which is several times
// faster for credential-sized datasets.
func dedupe(quads []quad) []quad {
	if len(quads) < 2 {
		return quads
	}
	idx := make([]int32, len(quads))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return compareQuads(&quads[a], &quads[b]) })
	dup := make([]bool, len(quads))
	found := false
	for i := 1; i < len(idx); i++ {
		if compareQuads(&quads[idx[i-1]], &quads[idx[i]]) == 0 {
			dup[idx[i]] = true
			found = true
		}
	}
	if !found {
		return quads
	}
	out := quads[:0]
	for i, q := range quads {
		if !dup[i] {
			out = append(out, q)
		}
	}
	return out
}

func compareQuads(a, b *quad) int {
	if c := compareTerms(&a.s, &b.s); c != 0 {
		return c
	}
	if c := compareTerms(&a.p, &b.p); c != 0 {
		return c
	}
	if c := compareTerms(&a.o, &b.o); c != 0 {
		return c
	}
	return compareTerms(&a.g, &b.g)
}

func compareTerms(a, b *term) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	if c := strings.Compare(a.value, b.value); c != 0 {
		return c
	}
	if c := strings.Compare(a.datatype, b.datatype); c != 0 {
		return c
	}
	return strings.Compare(a.lang, b.lang)
}

// Canonicalize converts the JSON-LD document doc to RDF (JSON-LD 1.1 toRDF,
// safe mode, embedded contexts only) and returns its RDFC-1.0 canonical
// N-Quads. doc holds JSON values as encoding/json decodes them (numbers as
// float64 or json.Number); it is only read.
//
// Errors: *UnknownContextError for a context that is not embedded;
// *UndefinedTermError for a property or type no context defines, or any IRI
// without a scheme; an error wrapping ErrLimit when a limit is exceeded; the
// context's error when ctx ends. Other JSON-LD errors are returned as is.
func Canonicalize(ctx context.Context, doc map[string]any, opts Options) (out string, err error) {
	lim := opts.Limits.withDefaults()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = "", fmt.Errorf("jsonld: invalid JSON-LD document: %v", r)
		}
	}()
	quads, err := toRDF(ctx, doc, lim)
	if err != nil {
		return "", err
	}
	out, _, err = canonicalize(ctx, quads, lim)
	return out, err
}

// errInvalid is wrapped by errors about input that is not valid JSON-LD.
var errInvalid = errors.New("jsonld: invalid JSON-LD")
