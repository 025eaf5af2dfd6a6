package bake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// XML namespaces of baked SVG badges.
const (
	NamespaceOB3 = "https://purl.imsglobal.org/ob/v3p0"
	NamespaceOB2 = "http://openbadges.org"
	prefixOB     = "openbadges"
)

// svgElement is a baked credential element found in an SVG document.
type svgElement struct {
	version    Version
	start, end int64 // byte range of the whole element
	verify     string
	text       []byte
}

// svgDoc is what scanSVG learns about a document.
type svgDoc struct {
	rootStart, rootEnd int64             // byte range of the root start tag
	rootNS             map[string]string // prefix → URI declared on the root
	elements           []svgElement      // OB 3.0 credentials and OB 2.0 assertions
	used               map[string]bool   // namespaces used outside elements
}

func svgError(off int64, format string, args ...any) error {
	return &ImageError{Format: SVG, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// obVersion tells whether name is a baked credential element. An
// undeclared "openbadges" prefix is accepted, as some bakers omit the
// declaration.
func obVersion(name xml.Name) (Version, bool) {
	space := strings.TrimSuffix(name.Space, "/")
	switch {
	case name.Local == "credential" && (space == NamespaceOB3 || space == prefixOB):
		return OB3, true
	case name.Local == "assertion" && (space == NamespaceOB2 || space == prefixOB):
		return OB2, true
	}
	return "", false
}

// scanSVG reads an SVG document with encoding/xml in strict mode, which
// fetches no DTD and expands only the predefined entities, and records byte
// offsets for BakeSVG.
func scanSVG(data []byte) (*svgDoc, error) {
	if len(data) > MaxImageSize {
		return nil, fmt.Errorf("bake: SVG of %d bytes: %w (limit %d)", len(data), ErrTooLarge, MaxImageSize)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Entity = map[string]string{}
	doc := &svgDoc{rootStart: -1, rootNS: map[string]string{}, used: map[string]bool{}}
	var cur *svgElement // element being read
	depth, curDepth := 0, 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, svgError(d.InputOffset(), "%v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			declareEntities(d.Entity, t)
		case xml.StartElement:
			depth++
			if doc.rootStart < 0 {
				if t.Name.Local != "svg" {
					return nil, svgError(off, "root element is <%s>, not <svg>", t.Name.Local)
				}
				doc.rootStart, doc.rootEnd = off, d.InputOffset()
				for _, a := range t.Attr {
					if a.Name.Space == "xmlns" {
						doc.rootNS[a.Name.Local] = a.Value
					}
				}
			}
			if cur != nil {
				break // nested inside a credential element: ignored
			}
			if v, ok := obVersion(t.Name); ok && depth > 1 {
				cur, curDepth = &svgElement{version: v, start: off}, depth
				for _, a := range t.Attr {
					if a.Name.Local == "verify" && (a.Name.Space == "" || a.Name.Space == t.Name.Space) {
						cur.verify = a.Value
					}
				}
				break
			}
			doc.used[t.Name.Space] = true
			for _, a := range t.Attr {
				if a.Name.Space != "xmlns" {
					doc.used[a.Name.Space] = true
				}
			}
		case xml.EndElement:
			if cur != nil && depth == curDepth {
				cur.end = d.InputOffset()
				doc.elements = append(doc.elements, *cur)
				cur = nil
			}
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.Trim(t, " \t\r\n\ufeff")) > 0 {
				return nil, svgError(off, "text outside the root element")
			}
			if cur != nil {
				if len(cur.text)+len(t) > MaxPayloadSize {
					return nil, fmt.Errorf("bake: SVG credential element at offset %d: %w (limit %d)", cur.start, ErrTooLarge, MaxPayloadSize)
				}
				cur.text = append(cur.text, t...)
			}
		}
	}
	if doc.rootStart < 0 {
		return nil, svgError(int64(len(data)), "no root element")
	}
	if cur != nil || depth != 0 {
		return nil, svgError(int64(len(data)), "truncated: unclosed elements")
	}
	return doc, nil
}

// declareEntities makes the general entities declared in a DOCTYPE's
// internal subset known to the decoder, as empty text. Illustrator, for one,
// writes <!ENTITY ns_svg "http://www.w3.org/2000/svg"> and xmlns="&ns_svg;".
// Their values matter neither to finding a credential nor to baking one, and
// not expanding them rules out entity amplification.
func declareEntities(m map[string]string, dir xml.Directive) {
	if !bytes.HasPrefix(dir, []byte("DOCTYPE")) {
		return
	}
	rest := []byte(dir)
	for len(m) < 1000 {
		i := bytes.Index(rest, []byte("<!ENTITY"))
		if i < 0 {
			return
		}
		rest = bytes.TrimLeft(rest[i+len("<!ENTITY"):], " \t\r\n")
		n := 0
		for n < len(rest) && !isSpace(rest[n]) && rest[n] != '%' && rest[n] != '"' && rest[n] != '\'' && rest[n] != '>' {
			n++
		}
		if n > 0 {
			m[string(rest[:n])] = ""
		}
	}
}

func unbakeSVG(data []byte) (*Baked, error) {
	doc, err := scanSVG(data)
	if err != nil {
		return nil, err
	}
	var found *svgElement
	for i, e := range doc.elements {
		switch {
		case e.version == OB3 && found != nil && found.version == OB3:
			return nil, svgError(e.start, "second OB 3.0 credential element (first at offset %d)", found.start)
		case found == nil || e.version == OB3 && found.version == OB2:
			found = &doc.elements[i]
		}
	}
	if found == nil {
		return nil, fmt.Errorf("bake: SVG has no <credential> (%s) or <assertion> (%s) element: %w", NamespaceOB3, NamespaceOB2, ErrNotBaked)
	}
	text := found.text
	if strings.TrimSpace(found.verify) != "" {
		text = []byte(found.verify)
	}
	kind, payload, err := payloadKind(text, found.version)
	if err != nil {
		return nil, fmt.Errorf("SVG element at offset %d: %w", found.start, err)
	}
	return &Baked{Format: SVG, Version: found.version, Kind: kind, Payload: bytes.Clone(payload)}, nil
}

// BakeSVG returns a copy of the SVG img carrying payload, a credential as
// JSON or a compact JWS (OB 3.0 §5.3.2). The <credential> element in the
// namespace https://purl.imsglobal.org/ob/v3p0 becomes the first child of
// the root <svg>: a JWS goes in its verify attribute, JSON in a CDATA
// section. The namespace is declared on the root as xmlns:openbadges when
// it is not declared there already. Elements of earlier bakes (OB 3.0
// credentials and OB 2.0 assertions) are removed. All other bytes are kept
// as they were, so baking twice gives the same result as baking once.
func BakeSVG(img, payload []byte) ([]byte, error) {
	doc, err := scanSVG(img)
	if err != nil {
		return nil, err
	}
	kind, payload, err := payloadKind(payload, OB3)
	if err != nil {
		return nil, err
	}
	tag := img[doc.rootStart:doc.rootEnd]
	selfClosing := bytes.HasSuffix(tag, []byte("/>"))
	closeLen := 1
	if selfClosing {
		closeLen = 2
	}

	// Choose the prefix and fix the root's namespace declarations.
	var newTag []byte
	prefix := ""
	for p, uri := range doc.rootNS {
		if strings.TrimSuffix(uri, "/") == NamespaceOB3 && isNCName(p) && (prefix == "" || p == prefixOB) {
			prefix = p
		}
	}
	switch {
	case prefix != "":
		newTag = bytes.Clone(tag[:len(tag)-closeLen])
	case doc.rootNS[prefixOB] == "":
		prefix = prefixOB
		newTag = append(bytes.Clone(tag[:len(tag)-closeLen]), ` xmlns:openbadges="`+NamespaceOB3+`"`...)
	default:
		// "openbadges" is bound to another namespace, typically OB 2.0.
		// Rebind it if nothing left in the document uses it.
		if s, e, ok := attrValueSpan(tag, "xmlns:"+prefixOB); ok && !doc.used[doc.rootNS[prefixOB]] {
			prefix = prefixOB
			newTag = append(append(append([]byte{}, tag[:s]...), NamespaceOB3...), tag[e:len(tag)-closeLen]...)
			break
		}
		prefix = freePrefix(doc.rootNS)
		newTag = append(bytes.Clone(tag[:len(tag)-closeLen]), ` xmlns:`+prefix+`="`+NamespaceOB3+`"`...)
	}
	newTag = append(newTag, '>')

	var el bytes.Buffer
	name := prefix + ":credential"
	if kind == JWT {
		fmt.Fprintf(&el, `<%s verify="%s"/>`, name, payload)
	} else {
		fmt.Fprintf(&el, "<%s><![CDATA[", name)
		// "]]>" cannot appear inside CDATA: end the section after "]]" and
		// start a new one for ">".
		el.Write(bytes.ReplaceAll(payload, []byte("]]>"), []byte("]]]]><![CDATA[>")))
		fmt.Fprintf(&el, "]]></%s>", name)
	}

	out := make([]byte, 0, len(img)+len(newTag)+el.Len())
	out = append(out, img[:doc.rootStart]...)
	out = append(out, newTag...)
	out = append(out, el.Bytes()...)
	if selfClosing {
		out = append(out, "</"...)
		out = append(out, rootName(tag)...)
		out = append(out, '>')
	}
	pos := doc.rootEnd
	for _, e := range doc.elements {
		out = append(out, img[pos:e.start]...)
		pos = e.end
	}
	out = append(out, img[pos:]...)
	if len(out) > MaxImageSize {
		return nil, fmt.Errorf("bake: baked SVG of %d bytes: %w (limit %d)", len(out), ErrTooLarge, MaxImageSize)
	}
	return out, nil
}

// rootName returns the qualified name in a start tag, e.g. "svg".
func rootName(tag []byte) []byte {
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	return tag[1:i]
}

// attrValueSpan finds the value of attribute name in a start tag and
// returns its byte range, without the quotes.
func attrValueSpan(tag []byte, name string) (start, end int, ok bool) {
	i := 1 + len(rootName(tag))
	for i < len(tag) {
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		n := i
		for i < len(tag) && !isSpace(tag[i]) && tag[i] != '=' && tag[i] != '>' && tag[i] != '/' {
			i++
		}
		if i == n {
			return 0, 0, false
		}
		attr := string(tag[n:i])
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			return 0, 0, false
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
			return 0, 0, false
		}
		q := bytes.IndexByte(tag[i+1:], tag[i])
		if q < 0 {
			return 0, 0, false
		}
		if attr == name {
			return i + 1, i + 1 + q, true
		}
		i += q + 2
	}
	return 0, 0, false
}

// isNCName reports whether s is a name usable as a namespace prefix
// (Namespaces in XML §3, simplified to letters, digits, '_', '-', '.').
func isNCName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return s != ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// freePrefix returns a namespace prefix not declared on the root.
func freePrefix(declared map[string]string) string {
	for i := 3; ; i++ {
		p := fmt.Sprintf("openbadges%d", i)
		if _, ok := declared[p]; !ok {
			return p
		}
	}
}
