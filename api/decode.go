package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/ob"
)

// Body size limits.
const (
	// MaxJSONBody caps a JSON request body (1 MiB).
	MaxJSONBody = 1 << 20
	// MaxImageBody caps an uploaded image (2 MiB), as badgeimg.MaxPNGSize
	// does for PNGs.
	MaxImageBody = 2 << 20
)

// readBody reads the whole request body, at most limit bytes: a larger body
// is a 413 that names the limit.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(limit)
		}
		return nil, badRequest("", "the request body could not be read: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	return data, nil
}

func tooLarge(limit int64) error {
	return &requestError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("the request body is larger than the limit of %s", byteSize(limit))}
}

// byteSize writes n bytes the way limits are documented: 1 MiB, 10 MiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkContentType refuses a request whose media type is not one of want
// (415). Parameters other than charset=utf-8 are refused too.
func checkContentType(r *http.Request, want ...string) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(want, mt) {
		got := "no Content-Type"
		if ct != "" {
			got = "Content-Type " + strconv.Quote(ct)
		}
		return &requestError{status: http.StatusUnsupportedMediaType, field: "Content-Type",
			detail: fmt.Sprintf("the request has %s; send %s", got, strings.Join(want, " or "))}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &requestError{status: http.StatusUnsupportedMediaType, field: "Content-Type",
			detail: fmt.Sprintf("charset %q: JSON must be UTF-8", cs)}
	}
	return nil
}

// decodeJSON reads a JSON body into v (a pointer to a struct): it checks
// the media type (application/json, or one of types), the size, the syntax
// and the shape of the document against v's type, then decodes it.
func decodeJSON(r *http.Request, v any, types ...string) error {
	data, err := readJSON(r, types...)
	if err != nil {
		return err
	}
	return unmarshalStrict(data, v)
}

// readJSON checks the media type of a JSON body (application/json, or one
// of types) and reads it under MaxJSONBody.
func readJSON(r *http.Request, types ...string) ([]byte, error) {
	if len(types) == 0 {
		types = []string{"application/json"}
	}
	if err := checkContentType(r, types...); err != nil {
		return nil, err
	}
	return readBody(r, MaxJSONBody)
}

// decodeOptionalJSON is decodeJSON for a body that may be left out: an
// empty body leaves v as it is.
func decodeOptionalJSON(r *http.Request, v any) error {
	data, err := readBody(r, MaxJSONBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := checkContentType(r, "application/json"); err != nil {
		return err
	}
	return unmarshalStrict(data, v)
}

// emptyBody accepts no body or an empty JSON object.
func emptyBody(r *http.Request) error {
	return decodeOptionalJSON(r, &struct{}{})
}

// checkBothShapes makes unmarshalStrict run checkShape after shapeOK
// accepted too, failing if they disagree: set in tests.
var checkBothShapes bool

// unmarshalStrict checks data against the type of v (see checkShape) and
// decodes it.
func unmarshalStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest("", "the request body is empty; send a JSON object")
	}
	t := reflect.TypeOf(v).Elem()
	if ok := shapeOK(data, t); !ok || checkBothShapes {
		if err := checkShape(data, t); err != nil {
			if ok {
				return cairn.Errorf(cairn.Internal, "the fast shape check accepted what checkShape refuses: %v", err)
			}
			return err
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badRequest(te.Field, "expected %s, got %s", jsonKindOf(te.Type), te.Value)
		}
		return badRequest("", "the JSON body cannot be decoded: %v", err)
	}
	return nil
}

// checkShape walks the JSON document data and the Go type t together, and
// reports the first place where they disagree, as a 400 naming the field:
// a syntax error (with line and column), an object key that t does not name
// (exactly, not case-insensitively), a key given twice, a value of the wrong
// JSON type, a date that is not RFC 3339, an integer that is not one, or
// data after the document. Objects of the ob package keep unknown keys as
// extensions (OB 3.0 allows them), so they are not refused there.
func checkShape(data []byte, t reflect.Type) error {
	c := &shapeChecker{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	c.dec.UseNumber()
	tok, err := c.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return badRequest("", "the request body must be a JSON object, not %s", tokenKind(tok))
	}
	if err := c.value(t, "", tok); err != nil {
		return err
	}
	if _, err := c.dec.Token(); err != io.EOF {
		line, col := c.position(c.dec.InputOffset())
		return badRequest("", "unexpected data after the JSON object at line %d, column %d", line, col)
	}
	return nil
}

type shapeChecker struct {
	dec   *json.Decoder
	data  []byte
	start int64 // where the last token read starts (or the separator before it)
}

// position turns a byte offset into a 1-based line and column.
func (c *shapeChecker) position(off int64) (line, col int) {
	off = min(max(off, 0), int64(len(c.data)))
	before := c.data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func (c *shapeChecker) token() (json.Token, error) {
	c.start = c.dec.InputOffset()
	tok, err := c.dec.Token()
	if err == nil {
		return tok, nil
	}
	// The Decoder's offsets are relative to the value it was reading;
	// json.Unmarshal finds the same error with its offset in the document.
	var v any
	uerr := json.Unmarshal(c.data, &v)
	var se *json.SyntaxError
	switch {
	case errors.As(uerr, &se) && strings.Contains(se.Error(), "unexpected end"):
		line, col := c.position(int64(len(c.data)))
		return nil, badRequest("", "malformed JSON at line %d, column %d: unexpected end of the document", line, col)
	case errors.As(uerr, &se):
		line, col := c.position(se.Offset - 1)
		return nil, badRequest("", "malformed JSON at line %d, column %d: %s", line, col, se.Error())
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		line, col := c.position(int64(len(c.data)))
		return nil, badRequest("", "malformed JSON at line %d, column %d: unexpected end of the document", line, col)
	}
	return nil, badRequest("", "malformed JSON: %v", err)
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawType     = reflect.TypeFor[json.RawMessage]()
	extraType   = reflect.TypeFor[ob.Extra]()
	unmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// value checks the value that starts with tok against t.
func (c *shapeChecker) value(t reflect.Type, path string, tok json.Token) error {
	if tok == nil { // null: the zero value, as encoding/json decodes it
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawType || t.Kind() == reflect.Interface:
		return c.skip(tok, path)
	case t == timeType:
		s, ok := tok.(string)
		if !ok {
			return c.wrongType(path, "an RFC 3339 date-time string", tok)
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return badRequest(path, "%q is not an RFC 3339 date-time such as 2025-06-30T12:00:00Z", s)
		}
		return nil
	case t.Kind() == reflect.Slice && reflect.PointerTo(t).Implements(unmarshaler):
		// ob.List: an array, or a single value standing for one.
		if d, ok := tok.(json.Delim); ok && d == '[' {
			return c.array(t.Elem(), path)
		}
		return c.value(t.Elem(), path, tok)
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return c.wrongType(path, "string", tok)
		}
		if err := c.checkString(tok, path); err != nil {
			return err
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return c.wrongType(path, "boolean", tok)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return c.wrongType(path, "integer", tok)
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || reflect.Zero(t).OverflowInt(i) {
			return badRequest(path, "expected an integer, got %s", n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok {
			return c.wrongType(path, "integer", tok)
		}
		i, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || reflect.Zero(t).OverflowUint(i) {
			return badRequest(path, "expected a non-negative integer, got %s", n)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return c.wrongType(path, "number", tok)
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return badRequest(path, "the number %s is out of range", n)
		}
	case reflect.Slice, reflect.Array:
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return c.wrongType(path, "array", tok)
		}
		return c.array(t.Elem(), path)
	case reflect.Map:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return c.wrongType(path, "object", tok)
		}
		return c.object(path, func(key string) (reflect.Type, error) { return t.Elem(), nil })
	case reflect.Struct:
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return c.wrongType(path, "object", tok)
		}
		si := fieldsOf(t)
		return c.object(path, func(key string) (reflect.Type, error) {
			if ft, ok := si.fields[key]; ok {
				return ft, nil
			}
			if si.extensions {
				return nil, nil
			}
			return nil, badRequest(join(path, key), "unknown field; the fields here are %s", strings.Join(si.names, ", "))
		})
	default:
		return c.skip(tok, path)
	}
	return nil
}

func (c *shapeChecker) array(elem reflect.Type, path string) error {
	for i := 0; ; i++ {
		tok, err := c.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			return nil
		}
		if err := c.value(elem, fmt.Sprintf("%s[%d]", path, i), tok); err != nil {
			return err
		}
	}
}

// object checks the members of an object whose '{' was read; typeOf gives
// the type of a member (nil: accept any value).
func (c *shapeChecker) object(path string, typeOf func(key string) (reflect.Type, error)) error {
	seen := map[string]bool{}
	for {
		tok, err := c.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return nil
		}
		key := tok.(string) // the decoder guarantees a string key here
		if err := c.checkKey(key, path); err != nil {
			return err
		}
		if seen[key] {
			return badRequest(join(path, key), "the field appears twice")
		}
		seen[key] = true
		ft, err := typeOf(key)
		if err != nil {
			return err
		}
		vt, err := c.token()
		if err != nil {
			return err
		}
		if ft == nil {
			err = c.skip(vt, join(path, key))
		} else {
			err = c.value(ft, join(path, key), vt)
		}
		if err != nil {
			return err
		}
	}
}

// checkString refuses a string token that holds NUL (no text Cairn keeps
// may hold it: PostgreSQL refuses it in text and JSON columns), or that was
// not valid Unicode in the body: invalid UTF-8, or an escaped lone UTF-16
// surrogate. encoding/json would silently turn either into U+FFFD.
func (c *shapeChecker) checkString(tok json.Token, path string) error {
	s, ok := tok.(string)
	if !ok {
		return nil
	}
	if strings.ContainsRune(s, 0) {
		return badRequest(path, "contains a NUL character (\\u0000)")
	}
	if fault := c.unicodeFault(s); fault != "" {
		return cairn.Invalidf(path, "%s", fault)
	}
	return nil
}

// checkKey is checkString for a member name of the object at path.
func (c *shapeChecker) checkKey(key, path string) error {
	if strings.ContainsRune(key, 0) {
		return badRequest(join(path, strings.ReplaceAll(key, "\x00", "\\u0000")), "contains a NUL character (\\u0000)")
	}
	if fault := c.unicodeFault(key); fault != "" {
		return cairn.Invalidf(path, "a member name %s", fault)
	}
	return nil
}

// unicodeFault says what was wrong in the body with the string s, the last
// token read, when s holds U+FFFD: "" when the body held U+FFFD itself.
func (c *shapeChecker) unicodeFault(s string) string {
	if !strings.ContainsRune(s, utf8.RuneError) {
		return ""
	}
	raw := c.data[c.start:c.dec.InputOffset()]
	for i := 0; i < len(raw); {
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n == 1 {
			line, col := c.position(c.start + int64(i))
			return fmt.Sprintf("is not valid UTF-8 (byte 0x%02X at line %d, column %d)", raw[i], line, col)
		}
		i += n
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		i++
		if i+4 >= len(raw) || raw[i] != 'u' {
			continue
		}
		r := hex4(raw[i+1 : i+5])
		i += 4
		if r >= 0xD800 && r < 0xDC00 && i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
			if r2 := hex4(raw[i+3 : i+7]); r2 >= 0xDC00 && r2 < 0xE000 {
				i += 6
				continue
			}
		}
		if r >= 0xD800 && r < 0xE000 {
			return fmt.Sprintf("is not valid Unicode: \\u%04X is half of a UTF-16 surrogate pair", r)
		}
	}
	return ""
}

// hex4 decodes four hex digits (-1 if they are not).
func hex4(b []byte) int {
	n, err := strconv.ParseUint(string(b), 16, 16)
	if err != nil {
		return -1
	}
	return int(n)
}

// skip consumes the rest of the value at path that starts with tok,
// checking its strings (checkString) and member names.
func (c *shapeChecker) skip(tok json.Token, path string) error {
	if err := c.checkString(tok, path); err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok || (d != '{' && d != '[') {
		return nil
	}
	for i := 0; ; i++ {
		tok, err := c.token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			return nil
		}
		at := fmt.Sprintf("%s[%d]", path, i)
		if d == '{' {
			key := tok.(string) // the decoder guarantees a string key here
			if err := c.checkKey(key, path); err != nil {
				return err
			}
			at = join(path, key)
			if tok, err = c.token(); err != nil {
				return err
			}
		}
		if err := c.skip(tok, at); err != nil {
			return err
		}
	}
}

func (c *shapeChecker) wrongType(path, want string, tok json.Token) error {
	if err := c.skip(tok, path); err != nil {
		return err
	}
	if path == "" {
		return badRequest("", "expected %s, got %s", want, tokenKind(tok))
	}
	return badRequest(path, "expected %s, got %s", want, tokenKind(tok))
}

func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "unknown"
}

// jsonKindOf names the JSON type a Go type decodes from.
func jsonKindOf(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// structFields are the JSON members of a struct type.
type structFields struct {
	fields     map[string]reflect.Type
	names      []string // sorted, for messages
	extensions bool     // unknown members are kept (an ob.Extra field)
}

var structFieldsCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if v, ok := structFieldsCache.Load(t); ok {
		return v.(*structFields)
	}
	sf := &structFields{fields: map[string]reflect.Type{}}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Type == extraType {
				sf.extensions = true
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := sf.fields[name]; !dup {
				sf.fields[name] = f.Type
				sf.names = append(sf.names, name)
			}
		}
	}
	walk(t)
	slices.Sort(sf.names)
	v, _ := structFieldsCache.LoadOrStore(t, sf)
	return v.(*structFields)
}
