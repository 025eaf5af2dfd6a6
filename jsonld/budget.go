package jsonld

import (
	"context"
	"encoding/json"
)

// CheckLimits walks a decoded JSON document (as encoding/json gives it) and
// returns an error wrapping ErrLimit, naming the limit, as soon as the
// document is deeper, larger or has more objects, array elements, members
// or @context entries than lim allows (zero fields take DefaultLimits). The
// walk stops at the first limit exceeded, so its cost is bounded by the
// limits, not by the input.
//
// Canonicalize calls it before expansion; callers that do other work on an
// untrusted document first (such as JSON Schema validation) call it before
// that work.
func CheckLimits(doc any, lim Limits) error {
	m := measurer{lim: lim.withDefaults()}
	m.walk(doc, 1)
	return m.err
}

type measurer struct {
	lim                                  Limits
	bytes, nodes, elems, props, contexts int
	err                                  error
}

// over records the first limit exceeded and reports whether one was.
func (m *measurer) over(name string, n, limit int) bool {
	if m.err == nil && limit > 0 && n > limit {
		m.err = limitErr(name, limit)
	}
	return m.err != nil
}

func (m *measurer) walk(v any, depth int) {
	if m.err != nil || m.over("MaxDepth", depth, m.lim.MaxDepth) {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		m.nodes++
		m.props += len(x)
		m.bytes += 2
		if m.over("MaxNodes", m.nodes, m.lim.MaxNodes) || m.over("MaxProperties", m.props, m.lim.MaxProperties) {
			return
		}
		for k, e := range x {
			m.bytes += len(k) + 4
			if k == "@context" {
				m.contexts += contextEntries(e)
				if m.over("MaxContexts", m.contexts, m.lim.MaxContexts) {
					return
				}
			}
			m.walk(e, depth+1)
			if m.err != nil {
				return
			}
		}
	case []any:
		m.elems += len(x)
		m.bytes += 2 + len(x)
		if m.over("MaxArrayElements", m.elems, m.lim.MaxArrayElements) {
			return
		}
		for _, e := range x {
			m.walk(e, depth+1)
			if m.err != nil {
				return
			}
		}
	case string:
		m.bytes += len(x) + 2
	case json.Number:
		m.bytes += len(x)
	case float64:
		m.bytes += 8
	default:
		m.bytes += 5
	}
	m.over("MaxInputBytes", m.bytes, m.lim.MaxInputBytes)
}

// contextEntries counts the contexts an @context value holds: one for a
// URL or an object, each element of an array.
func contextEntries(v any) int {
	if a, ok := v.([]any); ok {
		return max(len(a), 1)
	}
	return 1
}

// checkEvery is how many steps of expansion or conversion run between two
// looks at the context's deadline: cheap enough to be invisible, often
// enough to stop within a fraction of a millisecond.
const checkEvery = 256

// ticker counts work steps and reports the context's error every
// checkEvery of them.
type ticker struct {
	ctx   context.Context
	steps int
}

func (t *ticker) tick() error {
	t.steps++
	if t.ctx == nil || t.steps%checkEvery != 0 {
		return nil
	}
	return t.ctx.Err()
}

// CheckJSONLimits is CheckLimits on JSON text, before it is decoded: one
// pass over the bytes, so that a document past the limits costs neither
// its decoding nor the garbage that makes. It counts what CheckLimits
// counts (objects, array elements, members, nesting of objects and arrays),
// the same for JSON without repeated keys (a repeated key counts each time,
// though decoding keeps one), and @context members (one each, where
// CheckLimits counts the contexts each holds). It does not check the
// size (the caller caps what it reads) nor that the JSON is well formed
// (the decoder does).
func CheckJSONLimits(data []byte, lim Limits) error {
	_, err := scanJSON(data, lim)
	return err
}

func scanJSON(data []byte, lim Limits) (*jsonScan, error) {
	lim = lim.withDefaults()
	maxDepth := lim.MaxDepth
	if maxDepth <= 0 || maxDepth > 10_000 {
		maxDepth = 10_000 // encoding/json's own limit
	}
	st := &jsonScan{}
	st.inArray = make([]bool, 0, min(maxDepth, 64)+1)
	check := func(name string, n, limit int) error {
		if limit > 0 && n > limit {
			return limitErr(name, limit)
		}
		return nil
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case ',':
			st.want = len(st.inArray) > 0 && st.inArray[len(st.inArray)-1]
			continue
		case ':':
			st.props++
			if err := check("MaxProperties", st.props, lim.MaxProperties); err != nil {
				return st, err
			}
			if string(st.last) == "@context" {
				st.contexts++
				if err := check("MaxContexts", st.contexts, lim.MaxContexts); err != nil {
					return st, err
				}
			}
			continue
		case '}', ']':
			if len(st.inArray) > 0 {
				st.inArray = st.inArray[:len(st.inArray)-1]
			}
			st.want = false
			continue
		}
		// A value starts here, or a scalar goes on.
		if st.want {
			st.elems++
			st.want = false
			if err := check("MaxArrayElements", st.elems, lim.MaxArrayElements); err != nil {
				return st, err
			}
		}
		switch c {
		case '"':
			start := i + 1
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			st.last = data[start:min(i, len(data))]
		case '{', '[':
			st.inArray = append(st.inArray, c == '[')
			if err := check("MaxDepth", len(st.inArray), maxDepth); err != nil {
				return st, err
			}
			if c == '{' {
				st.nodes++
				if err := check("MaxNodes", st.nodes, lim.MaxNodes); err != nil {
					return st, err
				}
			}
			st.want = c == '['
		}
	}
	return st, nil
}

type jsonScan struct {
	inArray                       []bool // the open containers, innermost last
	want                          bool   // in an array, before an element
	last                          []byte // the last string: a key when ':' follows
	nodes, elems, props, contexts int
}
