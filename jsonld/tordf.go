package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/piprate/json-gold/ld"
)

// toRDF expands doc and converts it to a duplicate-free list of quads,
// refusing undefined terms and relative IRIs.
func toRDF(ctx context.Context, doc map[string]any, lim Limits) ([]quad, error) {
	if lim.MaxInputBytes > 0 {
		// The budget is on the JSON size of the document.
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errInvalid, err)
		}
		if len(b) > lim.MaxInputBytes {
			return nil, limitErr("MaxInputBytes", lim.MaxInputBytes)
		}
	}
	l := &loader{}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = l
	opts.SafeMode = true
	opts.ProcessingMode = ld.JsonLd_1_1
	proc := ld.NewJsonLdProcessor()
	res, err := proc.ToRDF(doc, opts)
	if err != nil {
		return nil, mapError(doc, l, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ds := res.(*ld.RDFDataset)
	var quads []quad
	for gname, gq := range ds.Graphs {
		var g term
		switch {
		case gname == "@default":
		case strings.HasPrefix(gname, "_:"):
			g = term{kind: kindBlank, value: gname[2:]}
		default:
			g = term{kind: kindIRI, value: gname}
		}
		for _, q := range gq {
			if lim.MaxQuads > 0 && len(quads) >= lim.MaxQuads {
				return nil, limitErr("MaxQuads", lim.MaxQuads)
			}
			nq := quad{s: convNode(q.Subject), p: convNode(q.Predicate), o: convNode(q.Object), g: g}
			for _, t := range [...]*term{&nq.s, &nq.p, &nq.o, &nq.g} {
				if (t.kind == kindIRI && !hasScheme(t.value)) ||
					(t.kind == kindLiteral && !hasScheme(t.datatype)) {
					bad := t.value
					if t.kind == kindLiteral {
						bad = t.datatype
					}
					return nil, &UndefinedTermError{Term: bad, Path: findPath(doc, bad)}
				}
			}
			quads = append(quads, nq)
		}
	}
	return dedupe(quads), nil
}

func convNode(n ld.Node) term {
	switch v := n.(type) {
	case ld.IRI:
		return term{kind: kindIRI, value: v.Value}
	case *ld.IRI:
		return term{kind: kindIRI, value: v.Value}
	case ld.BlankNode:
		return term{kind: kindBlank, value: strings.TrimPrefix(v.Attribute, "_:")}
	case *ld.BlankNode:
		return term{kind: kindBlank, value: strings.TrimPrefix(v.Attribute, "_:")}
	case ld.Literal:
		return literalTerm(v)
	case *ld.Literal:
		return literalTerm(*v)
	}
	panic(fmt.Sprintf("jsonld: unexpected RDF node %T", n))
}

func literalTerm(v ld.Literal) term {
	t := term{kind: kindLiteral, value: v.Value, datatype: v.Datatype, lang: v.Language}
	if t.lang != "" {
		t.datatype = rdfLangString
	} else if t.datatype == "" {
		t.datatype = xsdString
	}
	return t
}

// mapError turns json-gold errors into this package's error types.
func mapError(doc map[string]any, l *loader, err error) error {
	var uc *UnknownContextError
	if errors.As(err, &uc) {
		return uc
	}
	if l.unknown != "" {
		return &UnknownContextError{URL: l.unknown}
	}
	var je *ld.JsonLdError
	if errors.As(err, &je) && je.Code == ld.InvalidProperty {
		term, path := findUndefinedProperty(doc)
		return &UndefinedTermError{Term: term, Path: path}
	}
	var jv ld.JsonLdError
	if errors.As(err, &jv) && jv.Code == ld.InvalidProperty {
		term, path := findUndefinedProperty(doc)
		return &UndefinedTermError{Term: term, Path: path}
	}
	return fmt.Errorf("%w: %v", errInvalid, err)
}

// undefinedVocab is appended as @vocab to a copy of a document to learn
// which of its properties no context defines.
const undefinedVocab = "urn:cairn:jsonld:undefined:"

// findUndefinedProperty names a property of doc that no context defines,
// and where it is. It is only called after safe mode refused doc: it expands
// a copy of doc with @vocab set to undefinedVocab, so undefined terms come
// out as undefinedVocab+term, and the expansion handler reports where.
func findUndefinedProperty(doc map[string]any) (term, path string) {
	c := make(map[string]any, len(doc))
	for k, v := range doc {
		c[k] = v
	}
	switch v := doc["@context"].(type) {
	case []any:
		c["@context"] = append(append([]any{}, v...), map[string]any{"@vocab": undefinedVocab})
	case nil:
		c["@context"] = map[string]any{"@vocab": undefinedVocab}
	default:
		c["@context"] = []any{v, map[string]any{"@vocab": undefinedVocab}}
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = &loader{}
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.ExpandedElementHandler = func(pointer string, expanded any) {
		if term != "" {
			return
		}
		m, ok := expanded.(map[string]any)
		if !ok {
			return
		}
		for k := range m {
			if strings.HasPrefix(k, undefinedVocab) {
				t := strings.TrimPrefix(k, undefinedVocab)
				if term == "" || t < term {
					term = t
				}
			}
		}
		if term != "" {
			path = pointer + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(term)
		}
	}
	func() {
		defer func() { _ = recover() }()
		_, _ = ld.NewJsonLdProcessor().Expand(c, opts)
	}()
	return term, path
}

// findPath returns a JSON Pointer to the first place (in sorted key order)
// where the string s appears as a value in doc, or "".
func findPath(v any, s string) string {
	p, _ := findValue(v, s, "")
	return p
}

func findValue(v any, s, prefix string) (string, bool) {
	switch x := v.(type) {
	case string:
		if x == s {
			return prefix, true
		}
	case []any:
		for i, e := range x {
			if p, ok := findValue(e, s, fmt.Sprintf("%s/%d", prefix, i)); ok {
				return p, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if k != "@context" {
				keys = append(keys, k)
			}
		}
		sortStrings(keys)
		for _, k := range keys {
			esc := strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			if p, ok := findValue(x[k], s, prefix+"/"+esc); ok {
				return p, true
			}
		}
	}
	return "", false
}

func sortStrings(s []string) { slices.Sort(s) }
