package api

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The shape check without a tokenizer
//
// checkShape reads the document with encoding/json's Decoder.Token, which
// allocates for every token and builds the path of every member: most of
// the cost of decoding a request. shapeOK walks a syntactically valid
// document (json.Valid) in place and answers only "checkShape accepts it"
// or "don't know": it never builds an error, so whenever it finds anything
// checkShape would refuse, or is not sure, checkShape runs and explains.
// Accepting what checkShape refuses would be the bug: the tests run both
// on every document they decode (decode_test.go).

// shapeOK reports whether checkShape(data, t) certainly returns nil.
func shapeOK(data []byte, t reflect.Type) bool {
	if !json.Valid(data) {
		return false
	}
	p := &fastShape{data: data}
	p.ws()
	if p.i >= len(p.data) || p.data[p.i] != '{' {
		return false
	}
	if !p.value(t) {
		return false
	}
	p.ws()
	return p.i == len(p.data)
}

// fastShape walks a document that json.Valid accepted.
type fastShape struct {
	data []byte
	i    int
}

func (p *fastShape) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// str reads a string token and returns its raw content (between the
// quotes) and whether it is plain: no escapes, valid UTF-8, no U+FFFD.
// Only plain strings are judged here.
func (p *fastShape) str() (raw []byte, plain bool) {
	p.i++ // '"'
	start := p.i
	plain = true
	for {
		c := p.data[p.i]
		switch {
		case c == '"':
			raw = p.data[start:p.i]
			p.i++
			if plain && !utf8.Valid(raw) {
				plain = false
			}
			if plain && strings.Contains(string(raw), "\uFFFD") {
				plain = false
			}
			return raw, plain
		case c == '\\':
			plain = false
			p.i += 2
		default:
			p.i++
		}
	}
}

// scalar reads a number, true, false or null and returns its text.
func (p *fastShape) scalar() []byte {
	start := p.i
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return p.data[start:p.i]
		}
		p.i++
	}
	return p.data[start:p.i]
}

// value checks the value at p.i against t, as shapeChecker.value does.
func (p *fastShape) value(t reflect.Type) bool {
	p.ws()
	c := p.data[p.i]
	if c == 'n' { // null: accepted for any type
		p.scalar()
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawType || t.Kind() == reflect.Interface:
		return p.skip()
	case t == timeType:
		if c != '"' {
			return false
		}
		raw, plain := p.str()
		if !plain {
			return false
		}
		_, err := time.Parse(time.RFC3339, string(raw))
		return err == nil
	case t.Kind() == reflect.Slice && reflect.PointerTo(t).Implements(unmarshaler):
		if c == '[' {
			return p.array(t.Elem())
		}
		return p.value(t.Elem())
	}
	switch t.Kind() {
	case reflect.String:
		if c != '"' {
			return false
		}
		_, plain := p.str()
		return plain
	case reflect.Bool:
		if c != 't' && c != 'f' {
			return false
		}
		p.scalar()
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if c != '-' && (c < '0' || c > '9') {
			return false
		}
		i, err := strconv.ParseInt(string(p.scalar()), 10, 64)
		return err == nil && !reflect.Zero(t).OverflowInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if c < '0' || c > '9' {
			return false
		}
		i, err := strconv.ParseUint(string(p.scalar()), 10, 64)
		return err == nil && !reflect.Zero(t).OverflowUint(i)
	case reflect.Float32, reflect.Float64:
		if c != '-' && (c < '0' || c > '9') {
			return false
		}
		_, err := strconv.ParseFloat(string(p.scalar()), t.Bits())
		return err == nil
	case reflect.Slice, reflect.Array:
		return c == '[' && p.array(t.Elem())
	case reflect.Map:
		return c == '{' && p.object(true, func(string) (reflect.Type, bool) { return t.Elem(), true })
	case reflect.Struct:
		if c != '{' {
			return false
		}
		si := fieldsOf(t)
		return p.object(true, func(key string) (reflect.Type, bool) {
			if ft, ok := si.fields[key]; ok {
				return ft, true
			}
			return nil, si.extensions
		})
	}
	return p.skip()
}

func (p *fastShape) array(elem reflect.Type) bool {
	p.i++ // '['
	p.ws()
	if p.data[p.i] == ']' {
		p.i++
		return true
	}
	for {
		if !p.value(elem) {
			return false
		}
		p.ws()
		c := p.data[p.i]
		p.i++
		if c == ']' {
			return true
		}
	}
}

// object checks the members of the object at p.i; typeOf gives a member's
// type (nil: any value) or false when the member is refused. With unique,
// a member name given twice is refused (checkShape refuses it in the
// objects it checks, not in those it skips).
func (p *fastShape) object(unique bool, typeOf func(key string) (reflect.Type, bool)) bool {
	p.i++ // '{'
	var seen [16][]byte
	n := 0
	for {
		p.ws()
		if p.data[p.i] == '}' {
			p.i++
			return true
		}
		key, plain := p.str()
		if !plain {
			return false
		}
		if unique {
			if n == len(seen) {
				return false
			}
			for _, k := range seen[:n] {
				if string(k) == string(key) {
					return false
				}
			}
			seen[n] = key
			n++
		}
		ft, ok := typeOf(string(key))
		if !ok {
			return false
		}
		p.ws()
		p.i++ // ':'
		if ft == nil {
			ok = p.skip()
		} else {
			ok = p.value(ft)
		}
		if !ok {
			return false
		}
		p.ws()
		if p.data[p.i] == ',' {
			p.i++
		}
	}
}

// skip passes over any value, refusing strings and member names that are
// not plain (checkShape checks those for NUL and faulty Unicode).
func (p *fastShape) skip() bool {
	p.ws()
	switch p.data[p.i] {
	case '"':
		_, plain := p.str()
		return plain
	case '[':
		p.i++
		p.ws()
		if p.data[p.i] == ']' {
			p.i++
			return true
		}
		for {
			if !p.skip() {
				return false
			}
			p.ws()
			c := p.data[p.i]
			p.i++
			if c == ']' {
				return true
			}
		}
	case '{':
		return p.object(false, func(string) (reflect.Type, bool) { return nil, true })
	}
	p.scalar()
	return true
}
