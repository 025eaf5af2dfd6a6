package ob

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// MaxDocumentSize is the largest document, in bytes, that [Parse] and [Unmarshal] accept.
// Credentials are small (a CLR with dozens of embedded credentials stays well under it);
// anything larger is refused before decoding.
const MaxDocumentSize = 2 << 20 // 2 MiB

// List is a multi-valued property. JSON-LD lets a single value stand for a one-element
// array, so List accepts both forms when unmarshalling, but it always marshals as an
// array, as the formal OB 3.0 JSON Schema requires. A nil or empty List is omitted by
// `omitempty`.
type List[T any] []T

// UnmarshalJSON accepts a JSON array, a single value (as a one-element List) or null.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("ob: empty JSON value")
	case b[0] == 'n':
		*l = nil
		return nil
	case b[0] == '[':
		var s []T
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = List[T]{v}
	return nil
}

// listType is implemented by every List instantiation; the shape checker uses it.
type listType interface{ listElem() reflect.Type }

func (List[T]) listElem() reflect.Type { return reflect.TypeFor[T]() }

// uriOrObject is implemented by types whose JSON may also be a bare URI string
// (an issuer given by its id, an OB 2.0 image URL, ...).
type uriOrObject interface{ acceptsURI() }

// Extra holds the properties of a JSON object that its Go type does not name (extensions,
// properties of later spec versions). They are kept as raw JSON and written back after
// the named properties, in key order, so unknown data survives a round trip.
type Extra map[string]json.RawMessage

// fieldInfo describes one JSON property of a struct type.
type fieldInfo struct {
	index []int
	typ   reflect.Type
}

type structInfo struct {
	fields map[string]fieldInfo
}

var structInfos sync.Map // reflect.Type -> *structInfo

// infoOf returns the JSON property names of struct type t (following encoding/json's
// tag rules for the simple, non-embedded fields used in this package).
func infoOf(t reflect.Type) *structInfo {
	if v, ok := structInfos.Load(t); ok {
		return v.(*structInfo)
	}
	si := &structInfo{fields: map[string]fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		si.fields[name] = fieldInfo{index: f.Index, typ: f.Type}
	}
	v, _ := structInfos.LoadOrStore(t, si)
	return v.(*structInfo)
}

// unmarshalObject decodes the JSON object b into v (a pointer to a struct type without
// its own UnmarshalJSON) and stores the properties v does not name in *extra.
func unmarshalObject(b []byte, v any, extra *Extra) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	if all == nil { // JSON null
		return nil
	}
	si := infoOf(reflect.TypeOf(v).Elem())
	*extra = nil
	foldClash := false
	for k, raw := range all {
		if _, ok := si.fields[k]; ok {
			continue
		}
		if *extra == nil {
			*extra = Extra{}
		}
		(*extra)[k] = raw
		for name := range si.fields {
			if strings.EqualFold(name, k) {
				foldClash = true // encoding/json would match k case-insensitively
			}
		}
	}
	if foldClash {
		known := map[string]json.RawMessage{}
		for k, raw := range all {
			if _, ok := si.fields[k]; ok {
				known[k] = raw
			}
		}
		var err error
		if b, err = json.Marshal(known); err != nil {
			return err
		}
	}
	return json.Unmarshal(b, v)
}

// marshalObject encodes v (a struct without its own MarshalJSON) and appends the
// properties in extra that v does not name.
func marshalObject(v any, extra Extra) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	si := infoOf(reflect.TypeOf(v))
	keys := make([]string, 0, len(extra))
	for k, raw := range extra {
		if _, ok := si.fields[k]; !ok && len(raw) > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	buf := bytes.NewBuffer(b[:len(b)-1])
	for _, k := range keys {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// jsonString reports whether b is a JSON string and returns its value.
func jsonString(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

// Errors matched by errors.Is on the *ParseError values returned by [Parse] and [Unmarshal].
var (
	ErrSyntax      = errors.New("malformed JSON")
	ErrType        = errors.New("wrong JSON type")
	ErrTooLarge    = errors.New("document too large")
	ErrUnknownKind = errors.New("unknown document kind")
)

// ParseError describes why a document could not be decoded. Its message is one line:
// the property path (dotted, with [i] for array items; "(root)" for the document itself)
// and the reason, e.g. "credentialSubject.achievement.name: expected string, got number".
// For syntax errors Path is empty and Line, Column and Offset locate the error.
type ParseError struct {
	Path   string // e.g. "credentialSubject.result[0].value"
	Reason string
	Line   int   // 1-based; 0 unless the error is a syntax error
	Column int   // 1-based, in bytes
	Offset int64 // 0-based byte offset of the offending byte (syntax errors only)
	Err    error // ErrSyntax, ErrType, ErrTooLarge or ErrUnknownKind
}

// Error returns the one-line message: "path: reason" or "line L, column C: reason".
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Reason)
	}
	p := e.Path
	if p == "" {
		p = "(root)"
	}
	return p + ": " + e.Reason
}

// Unwrap returns the error's class (ErrSyntax, ErrType, ErrTooLarge or ErrUnknownKind).
func (e *ParseError) Unwrap() error { return e.Err }

// decodeGeneric decodes data into generic JSON values (maps, slices, json.Number, ...),
// refusing oversized input, syntax errors and trailing data.
func decodeGeneric(data []byte) (any, error) {
	if len(data) > MaxDocumentSize {
		return nil, &ParseError{Reason: fmt.Sprintf("document is %d bytes, more than the %d allowed", len(data), MaxDocumentSize), Err: ErrTooLarge}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	if err == nil {
		off := d.InputOffset()
		if rest := bytes.TrimLeft(data[off:], " \t\r\n"); len(rest) > 0 {
			return nil, syntaxError(data, int64(len(data)-len(rest)), "unexpected data after the JSON value")
		}
		return v, nil
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// Offset counts the offending byte as read.
		return nil, syntaxError(data, se.Offset-1, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, syntaxError(data, int64(len(data)), "unexpected end of JSON input")
	default:
		return nil, syntaxError(data, d.InputOffset(), strings.TrimPrefix(err.Error(), "json: "))
	}
}

func syntaxError(data []byte, off int64, reason string) *ParseError {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return &ParseError{Reason: reason, Line: line, Column: col, Offset: off, Err: ErrSyntax}
}

// Unmarshal decodes the JSON document data into v, a pointer to one of this package's
// types. Unlike json.Unmarshal it enforces [MaxDocumentSize] and returns a *ParseError
// whose message names the offending property (with array indexes) and the reason.
func Unmarshal(data []byte, v any) error {
	g, err := decodeGeneric(data)
	if err != nil {
		return err
	}
	return unmarshalChecked(data, g, v)
}

func unmarshalChecked(data []byte, g any, v any) error {
	if err := checkShape(g, reflect.TypeOf(v), ""); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		// checkShape should have caught every type mismatch; report what is left.
		return &ParseError{Reason: strings.TrimPrefix(err.Error(), "json: "), Err: ErrType}
	}
	return nil
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	listIface      = reflect.TypeFor[listType]()
	uriIface       = reflect.TypeFor[uriOrObject]()
	numStrIface    = reflect.TypeFor[interface{ acceptsNumberOrString() }]()
)

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func childPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// checkShape compares the generic JSON value v with the Go type t that will receive it
// and reports the first mismatch with its path. JSON null is accepted everywhere, as
// encoding/json accepts it.
func checkShape(v any, t reflect.Type, path string) error {
	if v == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType || t.Kind() == reflect.Interface {
		return nil
	}
	mismatch := func(want string) error {
		return &ParseError{Path: path, Reason: "expected " + want + ", got " + jsonKind(v), Err: ErrType}
	}
	if t.Implements(listIface) {
		elem := reflect.Zero(t).Interface().(listType).listElem()
		if arr, ok := v.([]any); ok {
			for i, item := range arr {
				if err := checkShape(item, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
			return nil
		}
		return checkShape(v, elem, path)
	}
	if _, isStr := v.(string); isStr && reflect.PointerTo(t).Implements(uriIface) {
		return nil
	}
	if reflect.PointerTo(t).Implements(numStrIface) {
		switch v.(type) {
		case string, json.Number:
			return nil
		}
		return mismatch("string or number")
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			return mismatch("string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return mismatch("boolean")
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return mismatch("number")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return mismatch("integer")
		}
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			return &ParseError{Path: path, Reason: "expected integer, got " + string(n), Err: ErrType}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return mismatch("array")
		}
		for i, item := range arr {
			if err := checkShape(item, t.Elem(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return mismatch("object")
		}
		for _, k := range sortedKeys(obj) {
			if err := checkShape(obj[k], t.Elem(), childPath(path, k)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			if reflect.PointerTo(t).Implements(uriIface) {
				return mismatch("URI string or object")
			}
			return mismatch("object")
		}
		si := infoOf(t)
		for _, k := range sortedKeys(obj) {
			if f, ok := si.fields[k]; ok {
				if err := checkShape(obj[k], f.typ, childPath(path, k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
