package jsonld

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// This file and fastexpand.go are the fast path of JSON-LD expansion: an
// implementation of context processing
// (https://www.w3.org/TR/json-ld11-api/#context-processing-algorithms) and
// expansion (https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) for
// the subset of JSON-LD 1.1 that credentials use, producing exactly what
// json-gold's expansion produces. Processed contexts are immutable and
// cached, so the type- and property-scoped contexts of the Open Badges and
// Verifiable Credentials contexts are processed once per process rather than
// at every node.
//
// Anything outside the subset, and every error, makes the fast path give up
// with errUnsupported; the caller then runs json-gold, whose result (or
// error) is the reference. The fast path may therefore only succeed where
// json-gold succeeds with the same expanded document.
//
// Supported: @context as embedded URLs, inline objects, null and arrays of
// them; @version 1.1, @protected, @vocab (absolute IRI); term definitions as
// strings or objects with @id, @type (@id, @vocab, @json, @none or an IRI),
// @container (@set, @list, @graph, @graph+@set), @context and @protected;
// keyword aliases; compact IRIs; type-scoped and property-scoped contexts.
// Not supported (json-gold is used): @base, @language, @direction, @import,
// @propagate, @reverse, @nest, @index, @included, @prefix, language, index,
// id and type maps, redefinition of keywords.

// errUnsupported makes the fast path give up in favour of json-gold.
var errUnsupported = errors.New("jsonld: not supported by the fast path")

// Container mapping bits.
const (
	contSet uint8 = 1 << iota
	contList
	contGraph
)

// fdef is a term definition (https://www.w3.org/TR/json-ld11-api/#dfn-term-definition).
type fdef struct {
	id        string // IRI or keyword
	typ       string // type mapping, "" for none
	container uint8
	scoped    any  // scoped context, when hasCtx
	hasCtx    bool // scoped is set (it may be null)
	protected bool
	prefix    bool // usable as the prefix of a compact IRI
	global    bool // defined by an embedded context: shared by all calls
}

// fctx is a processed, immutable active context
// (https://www.w3.org/TR/json-ld11-api/#dfn-active-context).
type fctx struct {
	terms        map[string]*fdef
	vocab        string
	hasVocab     bool
	anyProtected bool  // some term was ever protected (json-gold's Protected map)
	prev         *fctx // the context a type-scoped context reverts to
	// global is set when the context was built only from embedded contexts;
	// such contexts are shared by all calls, and so is their cache of
	// derived contexts.
	global  bool
	derived sync.Map // deriveKey → *fctx, only when global
}

// deriveKey names the context derived from a parent context by processing a
// scoped context (of def) or an embedded @context made of the URLs in urls.
type deriveKey struct {
	def  *fdef
	urls string
	mode uint8
}

const (
	modeProperty uint8 = iota // property-scoped: overrides protection
	modeType                  // type-scoped: not propagated
	modeEmbedded              // @context in the document
)

// Bounds on what is cached process-wide; input chooses what is cached.
const (
	maxGlobalDerived = 2048
	maxGlobalTop     = 128
)

var (
	globalDerived atomic.Int32
	topCache      sync.Map // string (context URLs) → *fctx
	topCount      atomic.Int32
	emptyFctx     = &fctx{terms: map[string]*fdef{}, global: true}
)

// fastState is the per-call state of the fast path.
type fastState struct {
	local map[localKey]*fctx // derived contexts that cannot be shared
}

// localKey is deriveKey plus the parent, for the per-call cache.
type localKey struct {
	parent *fctx
	deriveKey
}

// urlListKey returns the cache key of a context value made only of embedded
// context URLs.
func urlListKey(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		_, ok := contextFiles[x]
		return x, ok
	case []any:
		if len(x) == 0 {
			return "", false
		}
		var b strings.Builder
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return "", false
			}
			if _, ok := contextFiles[s]; !ok {
				return "", false
			}
			b.WriteString(s)
			b.WriteByte(' ')
		}
		return b.String(), true
	}
	return "", false
}

// topContext processes the top-level @context value v of a document.
func (st *fastState) topContext(v any) (*fctx, error) {
	key, ok := urlListKey(v)
	if ok {
		if c, hit := topCache.Load(key); hit {
			return c.(*fctx), nil
		}
	}
	c, err := processContext(emptyFctx, v, true, false, false)
	if err != nil {
		return nil, err
	}
	if ok && c.global && topCount.Load() < maxGlobalTop {
		if _, loaded := topCache.LoadOrStore(key, c); !loaded {
			topCount.Add(1)
		}
	}
	return c, nil
}

// derive returns the context that processing a scoped or embedded context
// on parent gives, from a cache when possible. def is the term whose scoped
// context is applied (nil for an embedded @context, then local is it).
func (st *fastState) derive(parent *fctx, def *fdef, local any, mode uint8) (*fctx, error) {
	key := deriveKey{def: def, mode: mode}
	shareable := parent.global
	fromEmbedded := false
	if def != nil {
		local = def.scoped
		shareable = shareable && def.global
		fromEmbedded = def.global
	} else {
		var ok bool
		if key.urls, ok = urlListKey(local); !ok {
			// An inline context in the document: processed afresh.
			return processContext(parent, local, true, false, false)
		}
	}
	if shareable {
		if c, ok := parent.derived.Load(key); ok {
			return c.(*fctx), nil
		}
	} else if c, ok := st.local[localKey{parent, key}]; ok {
		return c, nil
	}
	propagate, override := true, false
	switch mode {
	case modeProperty:
		override = true
	case modeType:
		propagate = false
	}
	c, err := processContext(parent, local, propagate, override, fromEmbedded)
	if err != nil {
		return nil, err
	}
	if shareable && c.global && globalDerived.Load() < maxGlobalDerived {
		if v, loaded := parent.derived.LoadOrStore(key, c); loaded {
			return v.(*fctx), nil
		}
		globalDerived.Add(1)
		return c, nil
	}
	if st.local == nil {
		st.local = make(map[localKey]*fctx)
	}
	st.local[localKey{parent, key}] = c
	return c, nil
}

// clone returns a mutable copy of c (with no derived contexts).
func (c *fctx) clone() *fctx {
	n := &fctx{
		terms:        make(map[string]*fdef, len(c.terms)+8),
		vocab:        c.vocab,
		hasVocab:     c.hasVocab,
		anyProtected: c.anyProtected,
		prev:         c.prev,
		global:       c.global,
	}
	for k, v := range c.terms {
		n.terms[k] = v
	}
	return n
}

// processContext is the context processing algorithm as json-gold runs it
// (Context.parse) for the supported subset. fromEmbedded says that local
// comes from an embedded context document, so that the terms it defines
// may be shared by all calls.
func processContext(active *fctx, local any, propagate, overrideProtected, fromEmbedded bool) (*fctx, error) {
	contexts, isArray := local.([]any)
	if !isArray {
		contexts = []any{local}
	}
	if len(contexts) == 0 {
		return active, nil
	}
	if m, ok := contexts[0].(map[string]any); ok {
		if _, ok := m["@propagate"]; ok {
			return nil, errUnsupported
		}
	}
	result := active.clone()
	if !propagate && result.prev == nil {
		result.prev = active
	}
	var remote []string // json-gold refuses a URL twice in one array
	for _, lc := range contexts {
		switch x := lc.(type) {
		case nil:
			if !overrideProtected && result.anyProtected {
				return nil, errUnsupported // json-gold: invalid context nullification
			}
			n := &fctx{terms: map[string]*fdef{}, global: result.global}
			if !propagate {
				n.prev = result
			}
			result = n
		case string:
			if slices.Contains(remote, x) {
				return nil, errUnsupported // recursive inclusion
			}
			remote = append(remote, x)
			docs, err := parsedContexts()
			if err != nil {
				return nil, err
			}
			d, ok := docs[x]
			if !ok {
				return nil, errUnsupported // json-gold reports the unknown context
			}
			dm, _ := d.Document.(map[string]any)
			inner, ok := dm["@context"]
			if !ok {
				return nil, errUnsupported
			}
			if result, err = processContext(result, inner, true, overrideProtected, true); err != nil {
				return nil, err
			}
		case map[string]any:
			if err := result.define(x, overrideProtected, fromEmbedded); err != nil {
				return nil, err
			}
			if !fromEmbedded {
				result.global = false
			}
		default:
			return nil, errUnsupported
		}
	}
	return result, nil
}

// define processes one context object into c (which it modifies).
func (c *fctx) define(m map[string]any, overrideProtected, global bool) error {
	for k, v := range m {
		switch k {
		case "@version":
			if f, ok := v.(float64); !ok || f != 1.1 {
				return errUnsupported
			}
		case "@protected":
			if _, ok := v.(bool); !ok {
				return errUnsupported
			}
		case "@vocab":
		case "@base", "@language", "@direction", "@import", "@propagate", "@context":
			return errUnsupported
		}
	}
	if v, ok := m["@vocab"]; ok {
		switch x := v.(type) {
		case nil:
			c.vocab, c.hasVocab = "", false
		case string:
			// Only an absolute IRI whose prefix is no term (json-gold would
			// expand it as an IRI).
			i := strings.IndexByte(x, ':')
			if i <= 0 || isKeyword(x) || !absoluteIRI(x) {
				return errUnsupported
			}
			if _, ok := c.terms[x]; ok {
				return errUnsupported
			}
			if _, ok := m[x]; ok {
				return errUnsupported
			}
			if !strings.HasPrefix(x[i+1:], "//") {
				if _, ok := c.terms[x[:i]]; ok {
					return errUnsupported
				}
				if _, ok := m[x[:i]]; ok {
					return errUnsupported
				}
			}
			c.vocab, c.hasVocab = x, true
		default:
			return errUnsupported
		}
	}
	d := definer{c: c, local: m, defined: make(map[string]bool, len(m)), override: overrideProtected, global: global}
	if p, ok := m["@protected"]; ok {
		d.protected = p.(bool)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		switch k {
		case "@version", "@protected", "@vocab":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := d.term(k); err != nil {
			return err
		}
	}
	return nil
}

// definer runs the create term definition algorithm
// (https://www.w3.org/TR/json-ld11-api/#create-term-definition) for the
// terms of one local context.
type definer struct {
	c         *fctx
	local     map[string]any
	defined   map[string]bool
	protected bool // the local context's @protected
	override  bool
	global    bool
}

var termKeys = map[string]bool{"@id": true, "@type": true, "@container": true, "@context": true, "@protected": true}

func (d *definer) term(term string) error {
	if done, ok := d.defined[term]; ok {
		if done {
			return nil
		}
		return errUnsupported // cyclic IRI mapping
	}
	d.defined[term] = false
	if term == "" || term[0] == '@' {
		return errUnsupported // keyword redefinition or reserved
	}
	var val map[string]any
	simple := false
	switch x := d.local[term].(type) {
	case string:
		val = map[string]any{"@id": x}
		simple = true
	case map[string]any:
		val = x
	default:
		return errUnsupported // null definitions and invalid ones
	}
	for k := range val {
		if !termKeys[k] {
			return errUnsupported
		}
	}
	prev := d.c.terms[term]
	delete(d.c.terms, term)
	def := &fdef{global: d.global}
	colon := strings.IndexByte(term, ':')
	hasColon := colon > 0
	if idv, ok := val["@id"]; ok {
		id, ok := idv.(string)
		if !ok {
			return errUnsupported
		}
		if term != id {
			if id == "" || (id[0] == '@' && !isKeyword(id)) {
				return errUnsupported
			}
			res, err := d.expandIRI(id)
			if err != nil {
				return err
			}
			if !isKeyword(res) && !absoluteIRI(res) {
				return errUnsupported
			}
			if res == "@context" || res == "@preserve" {
				return errUnsupported
			}
			def.id = res
			if iriLikeTerm(term) {
				d.defined[term] = true
				tiri, err := d.expandIRI(term)
				if err != nil {
					return err
				}
				if tiri != res {
					return errUnsupported
				}
				delete(d.defined, term)
			}
			suffix := false
			if n := len(res); n > 0 {
				suffix = strings.IndexByte(":/?#[]@", res[n-1]) >= 0
			}
			def.prefix = !hasColon && suffix && simple
		}
	}
	if def.id == "" {
		switch {
		case hasColon:
			prefix := term[:colon]
			if _, ok := d.local[prefix]; ok {
				if err := d.term(prefix); err != nil {
					return err
				}
			}
			if pd, ok := d.c.terms[prefix]; ok {
				if pd == nil {
					return errUnsupported
				}
				def.id = pd.id + term[colon+1:]
			} else {
				def.id = term
			}
		case d.c.hasVocab:
			def.id = d.c.vocab + term
		default:
			return errUnsupported
		}
	}
	pv, pfound := val["@protected"]
	pb, isBool := pv.(bool)
	if pfound && !isBool {
		return errUnsupported
	}
	if (pfound && pb) || (d.protected && !(pfound && !pb)) {
		def.protected = true
	}
	d.defined[term] = true
	if tv, ok := val["@type"]; ok {
		t, ok := tv.(string)
		if !ok {
			return errUnsupported
		}
		switch t {
		case "@id", "@vocab", "@json", "@none":
		default:
			if t == "" || (t[0] == '@') {
				return errUnsupported
			}
			x, err := d.expandIRI(t)
			if err != nil {
				return err
			}
			if !absoluteIRI(x) || strings.HasPrefix(x, "_:") {
				return errUnsupported
			}
			t = x
		}
		def.typ = t
	}
	if cv, ok := val["@container"]; ok {
		var list []any
		switch x := cv.(type) {
		case string:
			list = []any{x}
		case []any:
			list = x
		default:
			return errUnsupported
		}
		for _, e := range list {
			s, _ := e.(string)
			var bit uint8
			switch s {
			case "@set":
				bit = contSet
			case "@list":
				bit = contList
			case "@graph":
				bit = contGraph
			default:
				return errUnsupported
			}
			if def.container&bit != 0 {
				return errUnsupported
			}
			def.container |= bit
		}
		switch def.container {
		case contSet, contList, contGraph, contGraph | contSet:
		default:
			return errUnsupported
		}
		if _, isArr := cv.([]any); isArr {
			// json-gold compares container lists in order when checking
			// protected terms; keep to the canonical single-string forms.
			if len(list) != 1 {
				return errUnsupported
			}
		}
	}
	if sv, ok := val["@context"]; ok {
		def.scoped, def.hasCtx = sv, true
	}
	if prev != nil && prev.protected && !d.override {
		def.protected = true
		if !sameDef(prev, def) {
			return errUnsupported // protected term redefinition
		}
	}
	if def.protected {
		d.c.anyProtected = true
	}
	d.c.terms[term] = def
	return nil
}

// sameDef reports whether two definitions are the same for json-gold's
// protected-term check (DeepCompareTermDef).
func sameDef(a, b *fdef) bool {
	return a.id == b.id && a.typ == b.typ && a.container == b.container &&
		a.hasCtx == b.hasCtx && a.protected == b.protected && jsonEqual(a.scoped, b.scoped)
}

// jsonEqual compares two JSON values exactly (arrays in order).
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil, string, bool, float64:
		return a == b
	}
	return false
}

// expandIRI is IRI expansion during context processing (vocab true, not
// document-relative), defining terms of the local context on demand.
func (d *definer) expandIRI(v string) (string, error) {
	if isKeyword(v) {
		return v, nil
	}
	if ignoredKeyword(v) {
		return "", errUnsupported
	}
	if _, ok := d.local[v]; ok && !d.defined[v] {
		if err := d.term(v); err != nil {
			return "", err
		}
	}
	if td, ok := d.c.terms[v]; ok {
		if td == nil {
			return "", errUnsupported
		}
		return td.id, nil
	}
	if i := strings.IndexByte(v, ':'); i > 0 {
		prefix, suffix := v[:i], v[i+1:]
		if prefix == "_" || strings.HasPrefix(suffix, "//") {
			return v, nil
		}
		if _, ok := d.local[prefix]; ok && !d.defined[prefix] {
			if err := d.term(prefix); err != nil {
				return "", err
			}
		}
		if td, ok := d.c.terms[prefix]; ok {
			if td == nil {
				return "", errUnsupported
			}
			if td.id != "" && td.prefix {
				return td.id + suffix, nil
			}
		}
		if absoluteIRI(v) {
			return v, nil
		}
	}
	if d.c.hasVocab {
		return d.c.vocab + v, nil
	}
	return "", errUnsupported // relative IRI: json-gold refuses it here
}

// expandIRI is IRI expansion (https://www.w3.org/TR/json-ld11-api/#iri-expansion)
// at expansion time, as json-gold does it, with no base IRI. relative
// values that are not absolute IRIs make the fast path give up.
func (c *fctx) expandIRI(v string, vocab bool) (string, error) {
	if isKeyword(v) {
		return v, nil
	}
	if ignoredKeyword(v) {
		return "", nil
	}
	if vocab {
		if td, ok := c.terms[v]; ok {
			if td == nil {
				return "", nil
			}
			return td.id, nil
		}
	}
	if i := strings.IndexByte(v, ':'); i > 0 {
		prefix, suffix := v[:i], v[i+1:]
		if prefix == "_" || strings.HasPrefix(suffix, "//") {
			return v, nil
		}
		if td, ok := c.terms[prefix]; ok {
			if td == nil {
				return "", errUnsupported // json-gold dereferences nil here
			}
			if td.id != "" && td.prefix {
				return td.id + suffix, nil
			}
		}
		if absoluteIRI(v) {
			return v, nil
		}
	}
	if vocab && c.hasVocab {
		return c.vocab + v, nil
	}
	return v, nil
}

// isKeyword is json-gold's keyword list (ld.IsKeyword).
func isKeyword(s string) bool {
	if len(s) < 2 || s[0] != '@' {
		return false
	}
	switch s {
	case "@always", "@base", "@container", "@context", "@default",
		"@direction", "@embed", "@explicit", "@first", "@json",
		"@id", "@included", "@index", "@graph", "@import",
		"@language", "@last", "@list", "@nest", "@never",
		"@none", "@null", "@omitDefault", "@once", "@prefix",
		"@preserve", "@propagate", "@protected", "@requireAll", "@reverse",
		"@set", "@type", "@value", "@version", "@vocab":
		return true
	}
	return false
}

// ignoredKeyword reports whether s has the form of a keyword (@ and
// letters): such terms and values are ignored.
func ignoredKeyword(s string) bool {
	if len(s) < 2 || s[0] != '@' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// iriLikeTerm matches json-gold's `(?::[^:])|/`.
func iriLikeTerm(s string) bool {
	if strings.IndexByte(s, '/') >= 0 {
		return true
	}
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ':' && s[i+1] != ':' {
			return true
		}
	}
	return false
}

// absoluteIRI is json-gold's IsAbsoluteIri: a blank node identifier, or
// what net/url parses as an absolute URL.
func absoluteIRI(v string) bool {
	if strings.HasPrefix(v, "_:") {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && u.IsAbs()
}
