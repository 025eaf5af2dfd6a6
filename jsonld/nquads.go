package jsonld

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Term kinds of an RDF term. kindNone marks the default graph.
type termKind uint8

const (
	kindNone termKind = iota
	kindIRI
	kindBlank
	kindLiteral
)

const (
	xsdString     = "http://www.w3.org/2001/XMLSchema#string"
	rdfLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// term is an RDF term. For a blank node, value is its label without "_:".
// For a literal, datatype is always set (xsd:string or rdf:langString when
// not given) and lang holds the language tag, if any.
type term struct {
	kind     termKind
	value    string
	datatype string
	lang     string
}

// quad is an RDF quad; g.kind == kindNone means the default graph.
type quad struct {
	s, p, o, g term
}

// appendTerm appends the canonical N-Quads form of t
// (https://www.w3.org/TR/rdf-canon/#canonical-quads).
func appendTerm(b []byte, t *term) []byte {
	switch t.kind {
	case kindIRI:
		b = append(b, '<')
		b = append(b, t.value...)
		return append(b, '>')
	case kindBlank:
		b = append(b, "_:"...)
		return append(b, t.value...)
	case kindLiteral:
		b = append(b, '"')
		b = appendEscaped(b, t.value)
		b = append(b, '"')
		if t.lang != "" {
			b = append(b, '@')
			return append(b, t.lang...)
		}
		if t.datatype != "" && t.datatype != xsdString {
			b = append(b, "^^<"...)
			b = append(b, t.datatype...)
			b = append(b, '>')
		}
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

// appendEscaped escapes a literal's lexical form as RDFC-1.0 requires:
// ECHAR for BS, TAB, LF, FF, CR, '"' and '\', UCHAR (\u00XX, upper-case hex)
// for the other characters in U+0000..U+001F and for U+007F; everything else
// is written as is.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			if c < 0x20 || c == 0x7f {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return b
}

// appendQuad appends the canonical N-Quads line of q, newline included.
func appendQuad(b []byte, q *quad) []byte {
	b = appendTerm(b, &q.s)
	b = append(b, ' ')
	b = appendTerm(b, &q.p)
	b = append(b, ' ')
	b = appendTerm(b, &q.o)
	if q.g.kind != kindNone {
		b = append(b, ' ')
		b = appendTerm(b, &q.g)
	}
	return append(b, " .\n"...)
}

// errSyntax is wrapped by N-Quads syntax errors.
var errSyntax = errors.New("jsonld: N-Quads syntax error")

// parseNQuads parses an N-Quads document
// (https://www.w3.org/TR/n-quads/). It accepts every statement the grammar
// allows and refuses anything else; it stops with ErrLimit once maxQuads
// statements have been read (maxQuads <= 0 means no limit).
func parseNQuads(src string, maxQuads int) ([]quad, error) {
	p := nqParser{src: src, line: 1}
	var quads []quad
	for {
		p.skipSpaceAndComments()
		if p.pos >= len(p.src) {
			return quads, nil
		}
		q, err := p.statement()
		if err != nil {
			return nil, err
		}
		if maxQuads > 0 && len(quads) >= maxQuads {
			return nil, limitErr("MaxQuads", maxQuads)
		}
		quads = append(quads, q)
	}
}

type nqParser struct {
	src  string
	pos  int
	line int
}

func (p *nqParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", errSyntax, p.line, fmt.Sprintf(format, args...))
}

// skipSpaceAndComments skips white space, end-of-line and comments.
func (p *nqParser) skipSpaceAndComments() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; c {
		case ' ', '\t', '\r':
			p.pos++
		case '\n':
			p.pos++
			p.line++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// skipSpace skips spaces and tabs within a statement.
func (p *nqParser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func (p *nqParser) statement() (quad, error) {
	var q quad
	var err error
	if q.s, _, err = p.term(false, "expected subject"); err != nil {
		return q, err
	}
	p.skipSpace()
	if p.peek() != '<' {
		return q, p.errorf("expected predicate IRI")
	}
	if q.p, err = p.iri(); err != nil {
		return q, err
	}
	p.skipSpace()
	if q.o, _, err = p.term(true, "expected object"); err != nil {
		return q, err
	}
	p.skipSpace()
	// The graph label is optional.
	if g, ok, err := p.term(false, ""); err != nil {
		return q, err
	} else if ok {
		q.g = g
	}
	p.skipSpace()
	if p.peek() != '.' {
		return q, p.errorf("expected '.'")
	}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\n', '\r', '#':
		default:
			return q, p.errorf("expected end of line")
		}
	}
	return q, nil
}

func (p *nqParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// iri reads an IRIREF. The IRI must be absolute (have a scheme).
// term parses an IRI or a blank node (or a literal, when literal is set).
// When none starts here it fails with missing, or, if missing is "",
// reports ok false.
func (p *nqParser) term(literal bool, missing string) (t term, ok bool, err error) {
	switch c := p.peek(); {
	case c == '<':
		t, err = p.iri()
	case c == '_':
		t, err = p.blank()
	case c == '"' && literal:
		t, err = p.literal()
	case missing != "":
		return t, false, p.errorf("%s", missing)
	default:
		return t, false, nil
	}
	return t, err == nil, err
}

func (p *nqParser) iri() (term, error) {
	p.pos++ // '<'
	var sb strings.Builder
	start := p.pos
	escaped := false
	for {
		if p.pos >= len(p.src) {
			return term{}, p.errorf("unterminated IRI")
		}
		c := p.src[p.pos]
		switch {
		case c == '>':
			var v string
			if escaped {
				v = sb.String()
			} else {
				v = p.src[start:p.pos]
			}
			p.pos++
			if !hasScheme(v) {
				return term{}, p.errorf("relative IRI <%s>", v)
			}
			return term{kind: kindIRI, value: v}, nil
		case c == '\\':
			if !escaped {
				sb.WriteString(p.src[start:p.pos])
				escaped = true
			}
			r, err := p.uchar()
			if err != nil {
				return term{}, err
			}
			if r <= 0x20 || strings.ContainsRune("<>\"{}|^`\\", r) {
				return term{}, p.errorf("character U+%04X not allowed in IRI", r)
			}
			sb.WriteRune(r)
		case c <= 0x20 || strings.IndexByte("<\"{}|^`", c) >= 0:
			return term{}, p.errorf("character %q not allowed in IRI", c)
		default:
			r, n := utf8.DecodeRuneInString(p.src[p.pos:])
			if r == utf8.RuneError && n == 1 {
				return term{}, p.errorf("invalid UTF-8")
			}
			if escaped {
				sb.WriteString(p.src[p.pos : p.pos+n])
			}
			p.pos += n
		}
	}
}

// uchar reads \uXXXX or \UXXXXXXXX at p.pos.
func (p *nqParser) uchar() (rune, error) {
	if p.pos+1 >= len(p.src) {
		return 0, p.errorf("bad escape")
	}
	var n int
	switch p.src[p.pos+1] {
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		return 0, p.errorf("bad escape")
	}
	if p.pos+2+n > len(p.src) {
		return 0, p.errorf("bad escape")
	}
	var r rune
	for _, c := range []byte(p.src[p.pos+2 : p.pos+2+n]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errorf("bad hex digit in escape")
		}
		r = r<<4 | rune(d)
	}
	if !utf8.ValidRune(r) {
		return 0, p.errorf("escape is not a valid code point")
	}
	p.pos += 2 + n
	return r, nil
}

// blank reads a BLANK_NODE_LABEL.
func (p *nqParser) blank() (term, error) {
	if !strings.HasPrefix(p.src[p.pos:], "_:") {
		return term{}, p.errorf("expected blank node")
	}
	p.pos += 2
	start := p.pos
	first := true
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		ok := false
		if first {
			ok = isPNCharsU(r) || (r >= '0' && r <= '9')
		} else {
			ok = isPNChars(r) || r == '.'
		}
		if !ok {
			break
		}
		first = false
		p.pos += n
	}
	// A label must not end with '.'.
	for p.pos > start && p.src[p.pos-1] == '.' {
		p.pos--
	}
	if p.pos == start {
		return term{}, p.errorf("empty blank node label")
	}
	return term{kind: kindBlank, value: p.src[start:p.pos]}, nil
}

func isPNCharsBase(r rune) bool {
	switch {
	case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		return true
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func isPNCharsU(r rune) bool { return isPNCharsBase(r) || r == '_' || r == ':' }

func isPNChars(r rune) bool {
	return isPNCharsU(r) || r == '-' || (r >= '0' && r <= '9') || r == 0xB7 ||
		(r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

// literal reads a STRING_LITERAL_QUOTE with an optional datatype or language.
func (p *nqParser) literal() (term, error) {
	p.pos++ // '"'
	var sb strings.Builder
	start := p.pos
	escaped := false
	for {
		if p.pos >= len(p.src) {
			return term{}, p.errorf("unterminated literal")
		}
		c := p.src[p.pos]
		if c == '"' {
			break
		}
		switch c {
		case '\n', '\r':
			return term{}, p.errorf("line break in literal")
		case '\\':
			if !escaped {
				sb.WriteString(p.src[start:p.pos])
				escaped = true
			}
			if p.pos+1 >= len(p.src) {
				return term{}, p.errorf("bad escape")
			}
			e := p.src[p.pos+1]
			var r rune = -1
			switch e {
			case 't':
				r = '\t'
			case 'b':
				r = '\b'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 'f':
				r = '\f'
			case '"':
				r = '"'
			case '\'':
				r = '\''
			case '\\':
				r = '\\'
			}
			if r >= 0 {
				sb.WriteRune(r)
				p.pos += 2
				continue
			}
			u, err := p.uchar()
			if err != nil {
				return term{}, err
			}
			sb.WriteRune(u)
		default:
			r, n := utf8.DecodeRuneInString(p.src[p.pos:])
			if r == utf8.RuneError && n == 1 {
				return term{}, p.errorf("invalid UTF-8")
			}
			if escaped {
				sb.WriteString(p.src[p.pos : p.pos+n])
			}
			p.pos += n
		}
	}
	var v string
	if escaped {
		v = sb.String()
	} else {
		v = p.src[start:p.pos]
	}
	p.pos++ // closing '"'
	t := term{kind: kindLiteral, value: v, datatype: xsdString}
	switch {
	case strings.HasPrefix(p.src[p.pos:], "^^"):
		p.pos += 2
		if p.peek() != '<' {
			return term{}, p.errorf("expected datatype IRI")
		}
		dt, err := p.iri()
		if err != nil {
			return term{}, err
		}
		t.datatype = dt.value
	case p.peek() == '@':
		p.pos++
		start := p.pos
		for p.pos < len(p.src) && isAlpha(p.src[p.pos]) {
			p.pos++
		}
		if p.pos == start {
			return term{}, p.errorf("empty language tag")
		}
		for p.pos < len(p.src) && p.src[p.pos] == '-' {
			p.pos++
			s := p.pos
			for p.pos < len(p.src) && (isAlpha(p.src[p.pos]) || (p.src[p.pos] >= '0' && p.src[p.pos] <= '9')) {
				p.pos++
			}
			if p.pos == s {
				return term{}, p.errorf("bad language tag")
			}
		}
		t.lang = p.src[start:p.pos]
		t.datatype = rdfLangString
	}
	return t, nil
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// hasScheme reports whether iri starts with a URI scheme followed by ':'
// (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").
func hasScheme(iri string) bool {
	for i := 0; i < len(iri); i++ {
		c := iri[i]
		switch {
		case isAlpha(c):
		case i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}
