// Package jsonenc encodes decoded JSON (map[string]any, []any, string,
// float64, bool, nil: what encoding/json decodes into an interface) to the
// very bytes encoding/json.Marshal gives, with a fraction of its
// allocations: no reflection, keys sorted in a reused slice, strings that
// need no escaping copied as they are. Anything else (structs, other map
// and slice types, strings and numbers that need escaping or an exponent)
// is handed to encoding/json, so the output never differs.
package jsonenc

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Marshal returns the JSON encoding of v: json.Marshal(v), byte for byte.
func Marshal(v any) ([]byte, error) {
	return Append(make([]byte, 0, 1024), v)
}

// Append appends the JSON encoding of v to dst.
func Append(dst []byte, v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	return e.value(dst, v)
}

type encoder struct {
	keys [][]string // sorted keys, one slice per nesting level
	dept int
}

var encoders = sync.Pool{New: func() any { return &encoder{} }}

func (e *encoder) value(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case float64:
		// encoding/json writes a float64 in 'f' form unless it is under
		// 1e-6 or at least 1e21 (then 'e', with its own exponent
		// format): integers well inside that range are the same here.
		if v == math.Trunc(v) && math.Abs(v) < 1e15 && !(v == 0 && math.Signbit(v)) {
			return strconv.AppendFloat(dst, v, 'f', -1, 64), nil
		}
	case map[string]any:
		return e.object(dst, v)
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, it := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = e.value(dst, it); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

func (e *encoder) object(dst []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	if e.dept == len(e.keys) {
		e.keys = append(e.keys, nil)
	}
	keys := e.keys[e.dept][:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.dept++
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendString(dst, k), ':')
		if dst, err = e.value(dst, m[k]); err != nil {
			break
		}
	}
	e.dept--
	clear(keys)
	e.keys[e.dept] = keys[:0]
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

// appendString appends s quoted: as it is when encoding/json would not
// escape any of it, else as encoding/json writes it.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			if c < utf8.RuneSelf || !plainUnicode(s[i:]) {
				b, _ := json.Marshal(s)
				return append(dst, b...)
			}
			break
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// plainUnicode reports whether s is valid UTF-8 with nothing that
// encoding/json escapes: no ASCII it escapes, no U+2028 or U+2029.
func plainUnicode(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += n
	}
	return true
}
