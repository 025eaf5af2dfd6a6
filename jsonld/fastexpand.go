package jsonld

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// fastExpand expands doc like expand does with json-gold, or returns
// errUnsupported (or another error) when json-gold must decide. It never
// panics.
func fastExpand(doc map[string]any) (out []any, err error) {
	return fastExpandContext(context.Background(), doc)
}

// fastExpandContext is fastExpand that stops, returning ctx's error, when
// ctx ends.
func fastExpandContext(ctx context.Context, doc map[string]any) (out []any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %v", errUnsupported, r)
		}
	}()
	e := fastExpander{ticker: ticker{ctx: ctx}}
	active := emptyFctx
	if v, ok := doc["@context"]; ok {
		if active, err = e.st.topContext(v); err != nil {
			return nil, err
		}
	}
	expanded, err := e.mapElement(active, "", doc, false, nil, true)
	if err != nil {
		return nil, err
	}
	return finishExpansion(expanded), nil
}

type fastExpander struct {
	st     fastState
	ticker ticker
	// anys and strs are slabs that one-element arrays of the output and
	// key lists are cut from (capacity-limited, so an append past them
	// copies), instead of an allocation each.
	anys []any
	strs []string
	// values and refs are slabs of the expanded values (expandValue).
	values []valueObject
	refs   []nodeRef
}

// one returns the array [v], cut from a slab.
func (e *fastExpander) one(v any) []any {
	if len(e.anys) == 0 {
		e.anys = make([]any, 32)
	}
	l := e.anys[:1:1]
	e.anys = e.anys[1:]
	l[0] = v
	return l
}

// sortedKeys returns m's keys, sorted, in a slice cut from a slab.
func (e *fastExpander) sortedKeys(m map[string]any, skipContext bool) []string {
	n := len(m)
	if n > 32 {
		return sortedKeys(m, skipContext)
	}
	if len(e.strs) < n {
		e.strs = make([]string, 128)
	}
	keys := e.strs[:0:n]
	e.strs = e.strs[n:]
	for k := range m {
		if skipContext && k == "@context" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// element expands one JSON value (expandElement in json-gold).
func (e *fastExpander) element(active *fctx, prop string, el any, insideIndex bool, tsc *fctx) (any, error) {
	return e.elementIn(active, prop, el, insideIndex, tsc, active.container(prop))
}

// elementIn is element with the container mapping of prop given: the one
// prop has in the context of the object holding it, which need not be
// active (a property-scoped context may not define prop at all;
// https://www.w3.org/TR/json-ld11-api/#algorithm-3, step 5.2.2).
func (e *fastExpander) elementIn(active *fctx, prop string, el any, insideIndex bool, tsc *fctx, cont uint8) (any, error) {
	if err := e.ticker.tick(); err != nil {
		return nil, err
	}
	switch x := el.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]any, 0, len(x))
		list := prop == "@list" || cont&contList != 0
		for _, item := range x {
			v, err := e.elementIn(active, prop, item, insideIndex, tsc, cont)
			if err != nil {
				return nil, err
			}
			if vl, ok := v.([]any); ok && list {
				v = map[string]any{"@list": vl}
			}
			switch vv := v.(type) {
			case nil:
			case []any:
				out = append(out, vv...)
			default:
				out = append(out, vv)
			}
		}
		return out, nil
	case map[string]any:
		return e.mapElement(active, prop, x, insideIndex, tsc, false)
	}
	if prop == "" || prop == "@graph" {
		return nil, nil
	}
	return e.expandValue(active, prop, el)
}

func (c *fctx) container(prop string) uint8 {
	if td := c.terms[prop]; td != nil {
		return td.container
	}
	return 0
}

// expandValue is value expansion
// (https://www.w3.org/TR/json-ld11-api/#value-expansion) without language
// or direction (the fast path has neither). Its results are the two
// kinds of expanded value the fast path makes, cut from slabs: a
// *valueObject ({"@value": v} with its "@type") or a *nodeRef ({"@id":
// id}); rdfConv reads them as it reads those objects (plain reports them
// as maps).
func (e *fastExpander) expandValue(c *fctx, prop string, v any) (any, error) {
	td := c.terms[prop]
	if td != nil && (td.typ == "@id" || td.typ == "@vocab") {
		s, ok := v.(string)
		if !ok {
			return e.value(v, ""), nil
		}
		id, err := c.expandIRI(s, td.typ == "@vocab")
		if err != nil {
			return nil, err
		}
		if len(e.refs) == 0 {
			e.refs = make([]nodeRef, 32)
		}
		r := &e.refs[0]
		e.refs = e.refs[1:]
		r.id = id
		return r, nil
	}
	if td != nil && td.typ != "" && td.typ != "@none" {
		return e.value(v, td.typ), nil
	}
	return e.value(v, ""), nil
}

// value returns the value object of v with datatype typ ("" for none).
func (e *fastExpander) value(v any, typ string) *valueObject {
	if len(e.values) == 0 {
		e.values = make([]valueObject, 32)
	}
	o := &e.values[0]
	e.values = e.values[1:]
	o.value, o.typ = v, typ
	return o
}

// valueObject is an expanded value object {"@value": value, "@type": typ}
// (no "@type" when typ is "").
type valueObject struct {
	value any
	typ   string
}

// nodeRef is an expanded node reference {"@id": id}.
type nodeRef struct{ id string }

// plain returns the expanded form v with every *valueObject and *nodeRef
// written as the map JSON-LD gives it, for comparisons and reports.
func plain(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case *valueObject:
		if x.typ != "" {
			return map[string]any{"@value": x.value, "@type": x.typ}
		}
		return map[string]any{"@value": x.value}
	case *nodeRef:
		return map[string]any{"@id": x.id}
	}
	return v
}

func sortedKeys(m map[string]any, skipContext bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if skipContext && k == "@context" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mapElement expands a JSON object: a node, value, list or set object.
// top is set for the document itself, whose @context is already in active.
func (e *fastExpander) mapElement(active *fctx, prop string, elem map[string]any, insideIndex bool, tsc *fctx, top bool) (any, error) {
	var psc *fdef
	if td := active.terms[prop]; td != nil && td.hasCtx && td.scoped != nil {
		psc = td
	}
	if tsc == nil && active.prev != nil {
		tsc = active
	}
	keys := e.sortedKeys(elem, top)
	ctxVal, hasCtx := elem["@context"]
	if top {
		hasCtx = false
	}
	mustRevert := !insideIndex
	if mustRevert && tsc != nil && len(keys) <= 2 && !hasCtx {
		for _, k := range keys {
			ek, err := tsc.expandIRI(k, true)
			if err != nil {
				return nil, err
			}
			if ek == "@value" {
				mustRevert = false
				active = tsc
				break
			}
			if ek == "@id" && len(keys) == 1 {
				mustRevert = false
				break
			}
		}
	}
	if mustRevert && active.prev != nil {
		active = active.prev
	}
	var err error
	if psc != nil {
		if active, err = e.st.derive(active, psc, nil, modeProperty); err != nil {
			return nil, err
		}
	}
	if hasCtx {
		if active, err = e.st.derive(active, nil, ctxVal, modeEmbedded); err != nil {
			return nil, err
		}
	}
	tsc = active
	typeKey := ""
	var types []string
	for _, k := range keys {
		ek, err := active.expandIRI(k, true)
		if err != nil {
			return nil, err
		}
		if ek != "@type" {
			continue
		}
		if typeKey != "" {
			return nil, errUnsupported // two keys for @type
		}
		types = types[:0]
		switch v := elem[k].(type) {
		case []any:
			for _, t := range v {
				s, ok := t.(string)
				if !ok {
					return nil, errUnsupported
				}
				types = append(types, s)
			}
			slices.Sort(types)
		case string:
			types = append(types, v)
		default:
			return nil, errUnsupported
		}
		for _, t := range types {
			if td := tsc.terms[t]; td != nil && td.hasCtx {
				if active, err = e.st.derive(active, td, nil, modeType); err != nil {
					return nil, err
				}
			}
		}
		typeKey = k
	}
	result := make(map[string]any, len(keys))
	if err := e.object(active, prop, elem, keys, result, tsc); err != nil {
		return nil, err
	}
	// Steps 8 to 13 of json-gold's expandElement.
	if rval, ok := result["@value"]; ok {
		for k := range result {
			switch k {
			case "@value", "@language", "@type":
			default:
				return nil, errUnsupported
			}
		}
		_, hasLang := result["@language"]
		tv, hasType := result["@type"]
		if hasLang && hasType {
			return nil, errUnsupported
		}
		if rval == nil && tv != "@json" {
			return nil, nil
		}
		if hasLang {
			if _, ok := rval.(string); !ok {
				return nil, errUnsupported
			}
		} else if hasType {
			if s, ok := tv.(string); !ok || s != "@json" {
				ts, ok := tv.([]any)
				if !ok {
					ts = []any{tv}
				}
				if len(ts) != 1 || ts[0] != "@json" {
					for _, t := range ts {
						s, ok := t.(string)
						if !ok || !absoluteIRI(s) || strings.HasPrefix(s, "_:") {
							return nil, errUnsupported
						}
					}
				}
			}
		}
	} else if rt, ok := result["@type"]; ok {
		if _, ok := rt.([]any); !ok {
			result["@type"] = e.one(rt)
		}
	} else {
		rset, hasSet := result["@set"]
		_, hasList := result["@list"]
		if hasSet || hasList {
			if len(result) > 1 {
				return nil, errUnsupported
			}
			if hasSet {
				if rset == nil {
					return nil, nil
				}
				return rset, nil
			}
		}
	}
	if _, ok := result["@language"]; ok && len(result) == 1 {
		return nil, nil
	}
	if prop == "" || prop == "@graph" {
		_, hasValue := result["@value"]
		_, hasList := result["@list"]
		_, hasID := result["@id"]
		if len(result) == 0 || hasValue || hasList || (hasID && len(result) == 1) {
			return nil, nil
		}
	}
	return result, nil
}

// object expands the entries of a JSON object into result (expandObject in
// json-gold). keys are elem's keys, sorted.
func (e *fastExpander) object(active *fctx, prop string, elem map[string]any, keys []string, result map[string]any, tsc *fctx) error {
	for _, key := range keys {
		if key == "@context" {
			continue
		}
		value := elem[key]
		ep, err := active.expandIRI(key, true)
		if err != nil {
			return err
		}
		if ep == "" || (strings.IndexByte(ep, ':') < 0 && !isKeyword(ep)) {
			return errUnsupported // safe mode: json-gold reports the undefined term
		}
		if isKeyword(ep) {
			if _, dup := result[ep]; dup {
				return errUnsupported
			}
			var ev any
			switch ep {
			case "@id":
				s, ok := value.(string)
				if !ok {
					return errUnsupported
				}
				if ev, err = active.expandIRI(s, false); err != nil {
					return err
				}
			case "@type":
				switch v := value.(type) {
				case []any:
					l := make([]any, 0, len(v))
					for _, t := range v {
						s, ok := t.(string)
						if !ok {
							return errUnsupported
						}
						x, err := tsc.expandIRI(s, true)
						if err != nil {
							return err
						}
						l = append(l, x)
					}
					ev = l
				case string:
					if ev, err = tsc.expandIRI(v, true); err != nil {
						return err
					}
				default:
					return errUnsupported
				}
			case "@graph":
				if ev, err = e.element(active, "@graph", value, false, nil); err != nil {
					return err
				}
				if _, ok := ev.([]any); !ok {
					ev = []any{ev}
				}
			case "@value":
				switch value.(type) {
				case map[string]any, []any:
					return errUnsupported
				case nil:
					result["@value"] = nil
					continue
				}
				ev = value
			case "@language":
				s, ok := value.(string)
				if !ok {
					return errUnsupported
				}
				ev = strings.ToLower(s)
			case "@list":
				if prop == "" || prop == "@graph" {
					continue
				}
				if ev, err = e.element(active, prop, value, false, nil); err != nil {
					return err
				}
				switch ev.(type) {
				case nil:
					return errUnsupported
				case []any:
				default:
					ev = []any{ev}
				}
			case "@set":
				if ev, err = e.element(active, prop, value, false, nil); err != nil {
					return err
				}
			default:
				return errUnsupported
			}
			if ev != nil {
				result[ep] = ev
			}
			continue
		}

		termCtx := active
		td := active.terms[key]
		if td != nil && td.hasCtx {
			if termCtx, err = e.st.derive(active, td, nil, modeProperty); err != nil {
				return err
			}
		}
		var ev any
		if td != nil && td.typ == "@json" {
			ev = map[string]any{"@type": "@json", "@value": value}
		} else if ev, err = e.elementIn(termCtx, key, value, false, nil, active.container(key)); err != nil {
			return err
		}
		if ev == nil {
			continue
		}
		// The container mapping is the key's in the active context, not in
		// the key's own scoped context, which may not define the key at
		// all (the VC 2.0 context's verifiableCredential has "@context":
		// null): https://www.w3.org/TR/json-ld11-api/#algorithm-3, step
		// 13.7. json-gold v0.9.1 looks in the scoped context, and so
		// leaves a presentation's credentials out of their named graphs.
		cont := active.container(key)
		if cont&contList != 0 {
			m, isMap := ev.(map[string]any)
			if _, hasList := m["@list"]; !isMap || !hasList {
				if l, ok := ev.([]any); ok {
					ev = map[string]any{"@list": l}
				} else {
					ev = map[string]any{"@list": []any{ev}}
				}
			}
		}
		if cont&contGraph != 0 {
			evs, ok := ev.([]any)
			if !ok {
				evs = []any{ev}
			}
			out := make([]any, 0, len(evs))
			for _, v := range evs {
				g, ok := v.([]any)
				if !ok {
					g = []any{v}
				}
				out = append(out, map[string]any{"@graph": g})
			}
			ev = out
		}
		l, _ := result[ep].([]any)
		if evs, ok := ev.([]any); ok {
			l = append(l, evs...)
		} else if l == nil {
			l = e.one(ev)
		} else {
			l = append(l, ev)
		}
		if l == nil {
			l = []any{}
		}
		result[ep] = l
	}
	return nil
}
