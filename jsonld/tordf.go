package jsonld

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/piprate/json-gold/ld"
)

// newOptions returns the json-gold options every expansion uses: JSON-LD
// 1.1, safe mode, embedded contexts only.
func newOptions() *ld.JsonLdOptions {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader{}
	opts.SafeMode = true
	opts.ProcessingMode = ld.JsonLd_1_1
	return opts
}

// Processed top-level contexts, keyed by the list of context URLs. Context
// processing is most of json-gold's work, and credentials use a handful of
// context lists. A processed *ld.Context is only read by expansion (which
// copies it before any change), so it is shared across calls and goroutines.
var (
	ctxCache      sync.Map // string → *ld.Context
	ctxCacheCount atomic.Int32
)

// maxCachedContexts bounds the cache: input chooses the keys.
const maxCachedContexts = 128

// contextKey returns a cache key for a top-level @context value made only of
// embedded context URLs (an empty list included).
func contextKey(v any) (string, bool) {
	if x, ok := v.([]any); ok && len(x) == 0 {
		return "", true
	}
	return urlListKey(v)
}

// activeContext returns the active context after processing the top-level
// @context value v.
func activeContext(v any) (*ld.Context, error) {
	key, cacheable := contextKey(v)
	if cacheable {
		if c, ok := ctxCache.Load(key); ok {
			return c.(*ld.Context), nil
		}
	}
	c, err := ld.NewContext(nil, newOptions()).Parse(v)
	if err != nil {
		return nil, err
	}
	if cacheable && ctxCacheCount.Load() < maxCachedContexts {
		if _, loaded := ctxCache.LoadOrStore(key, c); !loaded {
			ctxCacheCount.Add(1)
		}
	}
	return c, nil
}

// expandFunc is JSON-LD expansion of a whole document: expand or expandGold.
type expandFunc func(ctx context.Context, doc map[string]any) ([]any, error)

// expand runs JSON-LD expansion on doc and returns the expanded array. It
// takes the fast path (fastExpand) when it can, and json-gold otherwise.
// The fast path stops when ctx ends; json-gold cannot be interrupted, so
// the document's size is bounded (CheckLimits) before either runs.
func expand(ctx context.Context, doc map[string]any) ([]any, error) {
	out, err := fastExpandContext(ctx, doc)
	if err == nil || ctx.Err() != nil {
		return out, err
	}
	gold, gerr := expandGold(ctx, doc)
	if gerr != nil || !errors.Is(err, errUnsupported) {
		return gold, gerr
	}
	if t, ok := usesGraphScopedTerm(doc); ok {
		return nil, fmt.Errorf("%w: %q is a @graph container with a scoped context, in a document that also uses JSON-LD features the fast expansion does not cover (%v)", ErrUnsupported, t, err)
	}
	return gold, nil
}

// expandGold runs JSON-LD expansion on doc with json-gold.
func expandGold(_ context.Context, doc map[string]any) ([]any, error) {
	active := ld.NewContext(nil, newOptions())
	input := doc
	if v, ok := doc["@context"]; ok {
		var err error
		if active, err = activeContext(v); err != nil {
			return nil, err
		}
		input = make(map[string]any, len(doc))
		for k, v := range doc {
			if k != "@context" {
				input[k] = v
			}
		}
	}
	expanded, err := ld.NewJsonLdApi().Expand(active, "", input, newOptions(), false, nil)
	if err != nil {
		return nil, err
	}
	return finishExpansion(expanded), nil
}

// finishExpansion is the final step of the expansion algorithm
// (https://www.w3.org/TR/json-ld11-api/#expansion-algorithm, 19.x): the
// result is always an array, a lone @graph unwrapped.
func finishExpansion(expanded any) []any {
	switch x := expanded.(type) {
	case nil:
		return []any{}
	case []any:
		return x
	case map[string]any:
		if len(x) == 0 {
			return []any{}
		}
		if g, ok := x["@graph"]; ok && len(x) == 1 {
			if ga, ok := g.([]any); ok {
				return ga
			}
			return []any{g}
		}
	}
	return []any{expanded}
}

// toRDF expands doc and converts it to a duplicate-free list of quads
// (https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm),
// refusing undefined terms and relative IRIs where json-gold would drop them.
func toRDF(ctx context.Context, doc map[string]any, lim Limits) ([]quad, error) {
	return toRDFUsing(ctx, doc, lim, expand)
}

// toRDFUsing is toRDF with the given expansion. The document's shape is
// checked against lim before expansion, and quads are counted as they are
// made.
func toRDFUsing(ctx context.Context, doc map[string]any, lim Limits, expand expandFunc) ([]quad, error) {
	m := measurer{lim: lim}
	if m.walk(doc, 1); m.err != nil {
		return nil, m.err
	}
	expanded, err := expand(ctx, doc)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, mapError(doc, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := rdfConv{maxQuads: lim.MaxQuads, ticker: ticker{ctx: ctx}, blanks: map[string]string{}}
	// A quad for about each member and array element: sized once.
	c.quads = make([]quad, 0, min(m.props+m.elems, max(lim.MaxQuads, 0)+1))
	for _, el := range expanded {
		err = c.element(el, term{})
		if errors.Is(err, errJSONLiteral) {
			return toRDFWithJSONLiterals(doc, lim, expand)
		}
		if err != nil {
			var ut *UndefinedTermError
			if errors.As(err, &ut) && ut.Path == "" {
				ut.Path = findPath(doc, ut.Term)
			}
			return nil, err
		}
	}
	if c.malformed != nil {
		return nil, c.malformed
	}
	return dedupe(c.quads), nil
}

// toRDFWithJSONLiterals is toRDF done by json-gold, for the rare documents
// with JSON literals (@type @json), which json-gold canonicalizes. Quads that
// json-gold keeps with relative IRIs are refused.
func toRDFWithJSONLiterals(doc map[string]any, lim Limits, expand expandFunc) ([]quad, error) {
	expanded, err := expand(context.Background(), doc)
	if err != nil {
		return nil, mapError(doc, err)
	}
	ds, err := ld.NewJsonLdApi().ToRDF(expanded, newOptions())
	if err != nil {
		return nil, mapError(doc, err)
	}
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
				bad := ""
				switch {
				case t.kind == kindIRI && checkIRI(t.value) != nil:
					bad = t.value
				case t.kind == kindLiteral && checkIRI(t.datatype) != nil:
					bad = t.datatype
				}
				if bad != "" {
					return nil, &UndefinedTermError{Term: bad, Path: findPath(doc, bad)}
				}
			}
			quads = append(quads, nq)
		}
	}
	return dedupe(quads), nil
}

// rdfConv converts expanded JSON-LD to quads directly, in one pass: each
// node object gives its own quads and the quad linking it to the node that
// holds it, which is what the node map generation and deserialization
// algorithms of JSON-LD 1.1 give together once duplicates are removed
// (https://www.w3.org/TR/json-ld11-api/#node-map-generation). Unlike a node
// map, whose value merging is quadratic in the number of values of one
// property, it does work linear in the size of the expanded document, and
// stops at maxQuads or when the context ends.
type rdfConv struct {
	quads    []quad
	maxQuads int
	ticker   ticker
	blanks   map[string]string // blank node labels of the input → new labels
	nblank   int
	// malformed is the first malformed absolute IRI met. The walk goes on
	// past it, so that an undefined term anywhere in the document is the
	// error reported (map order must not decide which of the two is).
	malformed error
}

// soft records err, when it is a malformed IRI, to be reported after the
// walk, and returns the other errors.
func (c *rdfConv) soft(err error) error {
	var ie *IRIError
	if errors.As(err, &ie) {
		if c.malformed == nil {
			c.malformed = err
		}
		return nil
	}
	return err
}

const (
	rdfType  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	rdfFirst = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
	rdfRest  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
	rdfNil   = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
	rdfJSON  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
	xsdBool  = "http://www.w3.org/2001/XMLSchema#boolean"
	xsdInt   = "http://www.w3.org/2001/XMLSchema#integer"
	xsdDbl   = "http://www.w3.org/2001/XMLSchema#double"
)

func (c *rdfConv) add(s, p, o, g term) error {
	if c.maxQuads > 0 && len(c.quads) >= c.maxQuads {
		return limitErr("MaxQuads", c.maxQuads)
	}
	c.quads = append(c.quads, quad{s: s, p: p, o: o, g: g})
	return nil
}

// resource converts a node identifier (IRI or blank node) to a term. A
// relative IRI is an undefined term: the document used a value that no
// context maps to an IRI. Blank node labels are renamed, consistently, so
// that they never clash with the labels of unlabelled nodes.
func (c *rdfConv) resource(id string) (term, error) {
	if strings.HasPrefix(id, "_:") {
		l, ok := c.blanks[id]
		if !ok {
			l = c.fresh().value
			c.blanks[id] = l
		}
		return term{kind: kindBlank, value: l}, nil
	}
	if err := c.soft(checkIRI(id)); err != nil {
		return term{}, err
	}
	return term{kind: kindIRI, value: id}, nil
}

// fresh returns a new blank node.
func (c *rdfConv) fresh() term {
	c.nblank++
	return term{kind: kindBlank, value: "b" + strconv.Itoa(c.nblank-1)}
}

// checkIRI refuses an IRI that CheckIRI refuses; one without a scheme is
// an undefined term (a value no context maps to an IRI).
func checkIRI(iri string) error {
	err := CheckIRI(iri)
	if err != nil && !hasScheme(iri) {
		return &UndefinedTermError{Term: iri}
	}
	return err
}

// element converts one element of a graph's expanded form: node objects
// give quads; values and lists that no node holds are dropped, as in the
// node map.
func (c *rdfConv) element(el any, g term) error {
	m, ok := el.(map[string]any)
	if !ok {
		return nil
	}
	if _, ok := m["@value"]; ok {
		return nil
	}
	if _, ok := m["@list"]; ok {
		return nil
	}
	_, err := c.node(m, g)
	return err
}

// node converts a node object in graph g and returns its subject.
func (c *rdfConv) node(m map[string]any, g term) (term, error) {
	if err := c.ticker.tick(); err != nil {
		return term{}, err
	}
	var s term
	if v, ok := m["@id"]; ok {
		id, ok := v.(string)
		if !ok {
			return term{}, fmt.Errorf("%w: @id %v", errInvalid, v)
		}
		var err error
		if s, err = c.resource(id); err != nil {
			return term{}, err
		}
	} else {
		s = c.fresh()
	}
	for prop, vals := range m {
		items, _ := vals.([]any)
		switch {
		case prop == "@type":
			if _, ok := vals.([]any); !ok {
				items = []any{vals}
			}
			p := term{kind: kindIRI, value: rdfType}
			for _, t := range items {
				ts, ok := t.(string)
				if !ok {
					return term{}, fmt.Errorf("%w: @type value %v", errInvalid, t)
				}
				o, err := c.resource(ts)
				if err != nil {
					return term{}, err
				}
				if err := c.add(s, p, o, g); err != nil {
					return term{}, err
				}
			}
		case prop == "@reverse":
			rev, _ := vals.(map[string]any)
			for rp, rv := range rev {
				p, err := c.property(rp)
				if err != nil {
					return term{}, err
				}
				ritems, _ := rv.([]any)
				for _, item := range ritems {
					rm, ok := item.(map[string]any)
					if !ok {
						return term{}, fmt.Errorf("%w: @reverse value %v", errInvalid, item)
					}
					r, err := c.node(rm, g)
					if err != nil {
						return term{}, err
					}
					if err := c.add(r, p, s, g); err != nil {
						return term{}, err
					}
				}
			}
		case prop == "@graph":
			for _, el := range items {
				if err := c.element(el, s); err != nil {
					return term{}, err
				}
			}
		case prop == "@included":
			for _, el := range items {
				if err := c.element(el, g); err != nil {
					return term{}, err
				}
			}
		case strings.HasPrefix(prop, "@"):
		default:
			p, err := c.property(prop)
			if err != nil {
				return term{}, err
			}
			for _, item := range items {
				o, err := c.object(item, g)
				if err != nil {
					return term{}, err
				}
				if err := c.add(s, p, o, g); err != nil {
					return term{}, err
				}
			}
		}
	}
	return s, nil
}

// property converts an expanded property to a predicate.
func (c *rdfConv) property(prop string) (term, error) {
	if strings.HasPrefix(prop, "_:") {
		return term{}, fmt.Errorf("%w: blank node %q used as a property", errInvalid, prop)
	}
	if err := c.soft(checkIRI(prop)); err != nil {
		return term{}, err
	}
	return term{kind: kindIRI, value: prop}, nil
}

var validLanguage = regexp.MustCompile(`^[a-zA-Z]+(-[a-zA-Z0-9]+)*$`)

// object converts an expanded value, node reference or list to a term, as
// json-gold's objectToRDF does, except that what json-gold drops silently
// (relative IRIs, malformed IRIs and language tags) is an error here.
func (c *rdfConv) object(item any, g term) (term, error) {
	switch x := item.(type) {
	case *valueObject:
		t, err := literal(x.value, x.typ, x.typ != "", "", false)
		return t, c.soft(err)
	case *nodeRef:
		if err := c.ticker.tick(); err != nil {
			return term{}, err
		}
		return c.resource(x.id)
	}
	m, ok := item.(map[string]any)
	if !ok {
		s, ok := item.(string)
		if !ok {
			return term{}, fmt.Errorf("%w: unexpected value %v", errInvalid, item)
		}
		return c.resource(s)
	}
	if value, ok := m["@value"]; ok {
		t, err := valueTerm(value, m)
		return t, c.soft(err)
	}
	if list, ok := m["@list"]; ok {
		l, _ := list.([]any)
		return c.list(l, g)
	}
	return c.node(m, g)
}

func (c *rdfConv) list(l []any, g term) (term, error) {
	if len(l) == 0 {
		return term{kind: kindIRI, value: rdfNil}, nil
	}
	head := c.fresh()
	subj := head
	first := term{kind: kindIRI, value: rdfFirst}
	rest := term{kind: kindIRI, value: rdfRest}
	for i, item := range l {
		o, err := c.object(item, g)
		if err != nil {
			return term{}, err
		}
		next := term{kind: kindIRI, value: rdfNil}
		if i < len(l)-1 {
			next = c.fresh()
		}
		if err := c.add(subj, first, o, g); err != nil {
			return term{}, err
		}
		if err := c.add(subj, rest, next, g); err != nil {
			return term{}, err
		}
		subj = next
	}
	return head, nil
}

// valueTerm converts a value object to a literal
// (https://www.w3.org/TR/json-ld11-api/#object-to-rdf-conversion), with
// json-gold's number formatting.
func valueTerm(value any, m map[string]any) (term, error) {
	dt, hasType := m["@type"].(string)
	if _, ok := m["@type"]; ok && !hasType {
		return term{}, fmt.Errorf("%w: @type of a value must be a string", errInvalid)
	}
	lang, hasLang := m["@language"]
	ls, _ := lang.(string)
	return literal(value, dt, hasType, ls, hasLang)
}

// literal converts the value object of value, with datatype dt when
// hasType and language tag lang when hasLang, to a literal.
func literal(value any, dt string, hasType bool, lang string, hasLang bool) (term, error) {
	if hasType {
		if dt == "@json" {
			return term{}, errJSONLiteral
		}
		if err := checkIRI(dt); err != nil {
			return term{}, err
		}
	}
	lit := func(v, def string) term {
		t := term{kind: kindLiteral, value: v, datatype: def}
		if hasType {
			t.datatype = dt
		}
		return t
	}
	var f float64
	isNum := false
	switch v := value.(type) {
	case bool:
		return lit(strconv.FormatBool(v), xsdBool), nil
	case float64:
		f, isNum = v, true
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			return term{}, fmt.Errorf("%w: number %s", errInvalid, v)
		}
		isNum = true
	case string:
		if hasLang {
			if !validLanguage.MatchString(lang) {
				return term{}, fmt.Errorf("%w: language tag %q", errInvalid, lang)
			}
			t := term{kind: kindLiteral, value: v, datatype: rdfLangString, lang: lang}
			if hasType {
				t.datatype = dt
			}
			return t, nil
		}
		return lit(v, xsdString), nil
	default:
		return term{}, fmt.Errorf("%w: @value %v", errInvalid, value)
	}
	if !isNum {
		return term{}, fmt.Errorf("%w: @value %v", errInvalid, value)
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return term{}, fmt.Errorf("%w: number %v", errInvalid, f)
	}
	isInteger := f == float64(int64(f))
	if !isInteger || dt == xsdDbl {
		return lit(ld.GetCanonicalDouble(f), xsdDbl), nil
	}
	return lit(strconv.FormatInt(int64(f), 10), xsdInt), nil
}

// errJSONLiteral tells toRDF that the document has a JSON literal, which
// needs JSON canonicalization (RFC 8785); those documents go through
// json-gold's own toRDF.
var errJSONLiteral = errors.New("jsonld: JSON literal")

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
func mapError(doc map[string]any, err error) error {
	var uc *UnknownContextError
	if errors.As(err, &uc) {
		return uc
	}
	if errors.Is(err, ErrUnsupported) {
		return err
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
	opts.DocumentLoader = loader{}
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

// ErrUnsupported is wrapped by the error for a document this package
// cannot canonicalize faithfully: it is refused rather than given a wrong
// canonical form.
var ErrUnsupported = errors.New("jsonld: document not supported")

// graphScopedTerms are the terms of the embedded contexts that are @graph
// containers with a scoped context (the VC 2.0 context's
// verifiableCredential). json-gold v0.9.1 takes their container from the
// scoped context, and so leaves their values out of their named graphs.
var graphScopedTerms = sync.OnceValue(func() map[string]bool {
	terms := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, def := range x {
				d, ok := def.(map[string]any)
				if !ok {
					walk(def)
					continue
				}
				if _, scoped := d["@context"]; scoped && hasGraphContainer(d["@container"]) {
					terms[k] = true
				}
				walk(d)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, u := range ContextURLs() {
		b, _ := Context(u)
		var doc any
		if json.Unmarshal(b, &doc) == nil {
			walk(doc)
		}
	}
	return terms
})

func hasGraphContainer(v any) bool {
	switch x := v.(type) {
	case string:
		return x == "@graph"
	case []any:
		for _, e := range x {
			if e == "@graph" {
				return true
			}
		}
	}
	return false
}

// usesGraphScopedTerm reports whether doc has a member named by one of
// graphScopedTerms.
func usesGraphScopedTerm(doc any) (string, bool) {
	switch x := doc.(type) {
	case map[string]any:
		for k, v := range x {
			if graphScopedTerms()[k] {
				return k, true
			}
			if t, ok := usesGraphScopedTerm(v); ok {
				return t, true
			}
		}
	case []any:
		for _, e := range x {
			if t, ok := usesGraphScopedTerm(e); ok {
				return t, true
			}
		}
	}
	return "", false
}
