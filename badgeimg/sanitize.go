package badgeimg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on uploaded SVG documents.
const (
	// MaxSVGSize is the largest SVG document SanitizeSVG reads (1 MiB).
	MaxSVGSize = 1 << 20
	// MaxSVGDepth is the deepest element nesting SanitizeSVG accepts.
	MaxSVGDepth = 64
	// MaxSVGElements is the most elements SanitizeSVG accepts.
	MaxSVGElements = 20000
)

// XML namespaces.
const (
	nsSVG   = "http://www.w3.org/2000/svg"
	nsXLink = "http://www.w3.org/1999/xlink"
	nsXML   = "http://www.w3.org/XML/1998/namespace"
)

// allowedElements are the SVG elements kept by SanitizeSVG.
var allowedElements = setOf(
	"svg", "g", "defs", "symbol", "use", "title", "desc", "style", "image",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
	"text", "tspan", "textPath",
	"linearGradient", "radialGradient", "stop", "pattern",
	"clipPath", "mask", "marker",
	"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite",
	"feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap", "feDistantLight",
	"feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
	"feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
	"fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
)

// unwrappedElements are dropped while their children are kept.
var unwrappedElements = setOf("a")

// presentationProperties are the SVG presentation attributes, also the CSS
// properties kept in style sheets and style attributes.
var presentationProperties = setOf(
	"alignment-baseline", "baseline-shift", "clip", "clip-path", "clip-rule",
	"color", "color-interpolation", "color-interpolation-filters", "color-rendering",
	"direction", "display", "dominant-baseline", "enable-background",
	"fill", "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity",
	"font", "font-family", "font-size", "font-size-adjust", "font-stretch",
	"font-style", "font-variant", "font-weight", "image-rendering", "isolation",
	"letter-spacing", "lighting-color", "marker", "marker-end", "marker-mid",
	"marker-start", "mask", "mix-blend-mode", "opacity", "overflow", "paint-order",
	"shape-rendering", "stop-color", "stop-opacity", "stroke", "stroke-dasharray",
	"stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
	"stroke-opacity", "stroke-width", "text-anchor", "text-decoration",
	"text-rendering", "transform", "transform-origin", "unicode-bidi",
	"vector-effect", "visibility", "white-space", "word-spacing", "writing-mode",
)

// allowedAttributes are the attributes without a namespace kept besides
// the presentation attributes and style.
var allowedAttributes = setOf(
	"id", "class", "lang", "role", "aria-label", "aria-hidden", "aria-labelledby",
	"aria-describedby", "version", "baseProfile", "viewBox", "preserveAspectRatio",
	"x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr",
	"x1", "y1", "x2", "y2", "d", "points", "pathLength", "offset",
	"gradientUnits", "gradientTransform", "spreadMethod",
	"patternUnits", "patternContentUnits", "patternTransform",
	"clipPathUnits", "maskUnits", "maskContentUnits",
	"markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
	"dx", "dy", "rotate", "textLength", "lengthAdjust", "startOffset", "method",
	"spacing", "side",
	"filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation",
	"mode", "type", "values", "operator", "k1", "k2", "k3", "k4", "scale",
	"xChannelSelector", "yChannelSelector", "baseFrequency", "numOctaves",
	"seed", "stitchTiles", "radius", "order", "kernelMatrix", "divisor", "bias",
	"targetX", "targetY", "edgeMode", "kernelUnitLength", "preserveAlpha",
	"surfaceScale", "diffuseConstant", "specularConstant", "specularExponent",
	"azimuth", "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ",
	"limitingConeAngle", "tableValues", "slope", "intercept", "amplitude", "exponent",
	"href",
)

// hrefElements may carry href or xlink:href.
var hrefElements = setOf("use", "image", "linearGradient", "radialGradient", "pattern", "textPath", "filter")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Errors wrapped by the errors of this package; test with errors.Is.
var (
	// ErrInvalidImage: the input is not a well-formed PNG or SVG image.
	ErrInvalidImage = errors.New("invalid image")
	// ErrTooLarge: the image exceeds a size, dimension, depth or count cap.
	ErrTooLarge = errors.New("image too large")
	// ErrUnsupported: the image is of a kind Cairn does not accept (a
	// format other than PNG or SVG, an animated PNG, a DOCTYPE with entity
	// declarations, an encoding other than UTF-8).
	ErrUnsupported = errors.New("unsupported image")
)

// node is an element or a run of text in a sanitized document.
type node struct {
	name     string // local name in the SVG namespace; "" for text
	attrs    []xml.Attr
	children []*node
	text     string
	hasUse   bool // the subtree contains a <use>
}

// sanitizer holds the state of one SanitizeSVG call.
type sanitizer struct {
	ids     map[string]*node
	uses    []*node
	removed map[string]bool // what was dropped, for warnings
}

// SanitizeSVG returns a copy of an uploaded SVG document that keeps only
// allowlisted elements and attributes and has no script, event handler or
// external reference; see the package documentation for the rules. It
// fails with an error wrapping [ErrInvalidImage] when data is not
// well-formed XML with an <svg> root, [ErrTooLarge] beyond the caps, and
// [ErrUnsupported] for entity declarations or a non-UTF-8 encoding.
func SanitizeSVG(data []byte) ([]byte, error) {
	out, _, err := sanitizeSVG(data)
	return out, err
}

func sanitizeSVG(data []byte) (out []byte, removed []string, err error) {
	if len(data) > MaxSVGSize {
		return nil, nil, fmt.Errorf("badgeimg: SVG of %d bytes: %w (limit %d)", len(data), ErrTooLarge, MaxSVGSize)
	}
	s := &sanitizer{ids: map[string]*node{}, removed: map[string]bool{}}
	root, err := s.parse(data)
	if err != nil {
		return nil, nil, err
	}
	s.dropBadUses(root)
	var b bytes.Buffer
	b.Grow(len(data))
	writeNode(&b, root, true)
	for r := range s.removed {
		removed = append(removed, r)
	}
	return b.Bytes(), removed, nil
}

func svgErr(d *xml.Decoder, kind error, format string, args ...any) error {
	return fmt.Errorf("badgeimg: SVG at offset %d: %s: %w", d.InputOffset(), fmt.Sprintf(format, args...), kind)
}

// parse reads the document into a tree of kept nodes.
func (s *sanitizer) parse(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = map[string]string{}
	// stack holds the node children are added to at each depth; nil
	// while inside a dropped element.
	var stack []*node
	var root *node
	elements := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			kind := ErrInvalidImage
			if strings.Contains(err.Error(), "CharsetReader") {
				kind = ErrUnsupported
			}
			return nil, svgErr(d, kind, "%v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if !bytes.HasPrefix(t, []byte("DOCTYPE")) || bytes.ContainsAny(t, "[<") {
				return nil, svgErr(d, ErrUnsupported, "DOCTYPE with an internal subset (entity declarations) or other markup declaration")
			}
		case xml.StartElement:
			elements++
			if elements > MaxSVGElements {
				return nil, svgErr(d, ErrTooLarge, "more than %d elements", MaxSVGElements)
			}
			if len(stack) >= MaxSVGDepth {
				return nil, svgErr(d, ErrTooLarge, "elements nested deeper than %d", MaxSVGDepth)
			}
			inSVG := t.Name.Space == nsSVG || t.Name.Space == ""
			if root == nil {
				if !inSVG || t.Name.Local != "svg" {
					return nil, svgErr(d, ErrInvalidImage, "root element is <%s>, not <svg>", t.Name.Local)
				}
				root = s.element(t)
				stack = append(stack, root)
				continue
			}
			if len(stack) == 0 {
				return nil, svgErr(d, ErrInvalidImage, "a second root element <%s>", t.Name.Local)
			}
			parent := stack[len(stack)-1]
			switch {
			case parent == nil || parent.name == "style":
				stack = append(stack, nil)
			case inSVG && allowedElements[t.Name.Local]:
				n := s.element(t)
				parent.children = append(parent.children, n)
				stack = append(stack, n)
			case inSVG && unwrappedElements[t.Name.Local]:
				s.removed["<"+t.Name.Local+">"] = true
				stack = append(stack, parent)
			default:
				s.removed["<"+t.Name.Local+">"] = true
				stack = append(stack, nil)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue // white space around the root; the decoder refuses other text there
			}
			if p := stack[len(stack)-1]; p != nil {
				p.children = append(p.children, &node{text: string(t)})
			}
		case xml.Comment:
		case xml.ProcInst:
			if t.Target != "xml" {
				s.removed["<?"+t.Target+"?>"] = true
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("badgeimg: SVG has no root element: %w", ErrInvalidImage)
	}
	s.finish(root)
	return root, nil
}

// element makes a node of an allowlisted start element, keeping its
// allowed attributes.
func (s *sanitizer) element(t xml.StartElement) *node {
	n := &node{name: t.Name.Local}
	seen := map[xml.Name]bool{}
	for _, a := range t.Attr {
		if seen[a.Name] {
			continue // a duplicate attribute: the first one wins
		}
		seen[a.Name] = true
		if v, ok := s.attr(n.name, a); ok {
			n.attrs = append(n.attrs, xml.Attr{Name: a.Name, Value: v})
		} else if a.Name.Space != "xmlns" && !(a.Name.Space == "" && a.Name.Local == "xmlns") {
			s.removed[a.Name.Local+"="] = true
		}
	}
	if n.name == "use" {
		s.uses = append(s.uses, n)
	}
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == "id" {
			if _, dup := s.ids[a.Value]; !dup {
				s.ids[a.Value] = n
			}
		}
	}
	return n
}

// attr decides whether an attribute is kept and returns its value.
func (s *sanitizer) attr(elem string, a xml.Attr) (string, bool) {
	switch {
	case a.Name.Space == nsXML:
		if a.Name.Local == "space" || a.Name.Local == "lang" {
			return a.Value, true
		}
		return "", false
	case a.Name.Space == nsXLink:
		if a.Name.Local != "href" {
			return "", false
		}
		return checkHref(elem, a.Value)
	case a.Name.Space != "":
		return "", false
	case a.Name.Local == "href":
		return checkHref(elem, a.Value)
	case a.Name.Local == "style":
		v := sanitizeDecls(a.Value)
		return v, v != ""
	case allowedAttributes[a.Name.Local] || presentationProperties[a.Name.Local]:
		return a.Value, safeValue(a.Value)
	}
	return "", false
}

// checkHref keeps a local reference "#id" and, on <image>, a base64 data:
// URL of a PNG or JPEG image.
func checkHref(elem, v string) (string, bool) {
	if !hrefElements[elem] {
		return "", false
	}
	v = strings.TrimSpace(v)
	if isLocalRef(v) {
		return v, true
	}
	if elem != "image" {
		return "", false
	}
	for _, p := range []string{"data:image/png;base64,", "data:image/jpeg;base64,"} {
		if len(v) > len(p) && strings.EqualFold(v[:len(p)], p) && isBase64(v[len(p):]) {
			return v, true
		}
	}
	return "", false
}

func isLocalRef(v string) bool {
	if len(v) < 2 || v[0] != '#' {
		return false
	}
	for _, c := range v[1:] {
		if !isNameChar(c) {
			return false
		}
	}
	return true
}

func isNameChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
}

func isBase64(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '+', c == '/', c == '=', c == ' ', c == '\n', c == '\r', c == '\t':
		default:
			return false
		}
	}
	return true
}

// safeValue reports whether an attribute value has no non-local url(…),
// no CSS expression and no script URL.
func safeValue(v string) bool {
	l := strings.ToLower(v)
	if strings.Contains(l, "expression") || strings.Contains(l, "script:") || strings.Contains(l, `\`) {
		return false
	}
	return onlyLocalURLs(l)
}

// onlyLocalURLs reports whether every url( in the lower-cased value l is
// url(#id), optionally quoted.
func onlyLocalURLs(l string) bool {
	for {
		i := strings.Index(l, "url(")
		if i < 0 {
			return true
		}
		l = l[i+4:]
		j := strings.IndexByte(l, ')')
		if j < 0 {
			return false
		}
		ref := strings.TrimSpace(l[:j])
		if len(ref) >= 2 && (ref[0] == '"' || ref[0] == '\'') && ref[len(ref)-1] == ref[0] {
			ref = ref[1 : len(ref)-1]
		}
		if !isLocalRef(ref) {
			return false
		}
		l = l[j+1:]
	}
}

// finish records which subtrees contain a <use> and sanitizes style sheets.
func (s *sanitizer) finish(n *node) bool {
	has := n.name == "use"
	for _, c := range n.children {
		if c.name != "" && s.finish(c) {
			has = true
		}
	}
	if n.name == "style" {
		var css strings.Builder
		for _, c := range n.children {
			css.WriteString(c.text) // parse keeps no element inside <style>
		}
		n.children = nil
		if v := sanitizeCSS(css.String()); v != "" {
			n.children = []*node{{text: v}}
		}
	}
	n.hasUse = has
	return has
}

// dropBadUses removes <use> elements that point nowhere or at a subtree
// with a <use> (which could expand exponentially, or be a cycle).
func (s *sanitizer) dropBadUses(root *node) {
	bad := map[*node]bool{}
	for _, u := range s.uses {
		var ref string
		for _, a := range u.attrs {
			if a.Name.Local == "href" {
				ref = a.Value
			}
		}
		t := s.ids[strings.TrimPrefix(ref, "#")]
		if ref == "" || t == nil || t.hasUse {
			bad[u] = true
			s.removed["<use>"] = true
		}
	}
	if len(bad) > 0 {
		removeNodes(root, bad)
	}
}

func removeNodes(n *node, bad map[*node]bool) {
	kept := n.children[:0]
	for _, c := range n.children {
		if !bad[c] {
			removeNodes(c, bad)
			kept = append(kept, c)
		}
	}
	n.children = kept
}

// sanitizeDecls keeps the declarations of a style attribute (or a rule's
// block) whose property is a presentation property and whose value is
// made of safe characters. The result is "prop:value;prop:value".
func sanitizeDecls(s string) string {
	var out []string
	for _, d := range strings.Split(s, ";") {
		prop, val, ok := strings.Cut(d, ":")
		if !ok {
			continue
		}
		prop = strings.ToLower(strings.TrimSpace(prop))
		val = strings.TrimSpace(val)
		if !presentationProperties[prop] || val == "" || !safeCSSValue(val) {
			continue
		}
		out = append(out, prop+":"+val)
	}
	return strings.Join(out, ";")
}

// safeCSSValue allows letters, digits, white space and # % . , ( ) ' " _ + - / !
// with balanced quotes, and url(…) only to a local #id. Without colons,
// semicolons, braces, backslashes, '@', '<' or '&', a value can neither
// leave its declaration nor hide a keyword behind an escape.
func safeCSSValue(v string) bool {
	quote := rune(0)
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(" \t#%.,()_+-/!", c):
		case c == '"' || c == '\'':
			switch quote {
			case 0:
				quote = c
			case c:
				quote = 0
			}
		default:
			return false
		}
	}
	return quote == 0 && safeValue(v)
}

// sanitizeCSS rewrites a style sheet keeping plain rules whose selectors use
// a safe character set, with their declarations filtered by sanitizeDecls.
// Comments and at-rules (@import, @font-face, @media …) are dropped. A
// malformed sheet yields what was read before the error.
func sanitizeCSS(css string) string {
	var out strings.Builder
	rest := css
	for {
		rest = skipCSSSpace(rest)
		if rest == "" {
			break
		}
		if rest[0] == '@' {
			rest = skipAtRule(rest)
			continue
		}
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		sel := strings.Join(strings.Fields(stripComments(rest[:open])), " ")
		rest = rest[open+1:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			break
		}
		block := rest[:end]
		rest = rest[end+1:]
		if strings.ContainsAny(block, "{") {
			break
		}
		decls := sanitizeDecls(stripComments(block))
		if sel == "" || decls == "" || !safeSelector(sel) {
			continue
		}
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(sel + "{" + decls + "}")
	}
	return out.String()
}

func safeSelector(s string) bool {
	for _, c := range s {
		if !isNameChar(c) && !strings.ContainsRune(" #*,>+~", c) {
			return false
		}
	}
	return true
}

func stripComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		b.WriteByte(' ')
		s = s[i+2+j+2:]
	}
}

func skipCSSSpace(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f")
		if !strings.HasPrefix(s, "/*") {
			return s
		}
		j := strings.Index(s[2:], "*/")
		if j < 0 {
			return ""
		}
		s = s[2+j+2:]
	}
}

// skipAtRule skips an at-rule: up to its ';' or its balanced block.
func skipAtRule(s string) string {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ';':
			if depth == 0 {
				return s[i+1:]
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth <= 0 {
				return s[i+1:]
			}
		}
	}
	return ""
}

// writeNode serializes a sanitized tree. The root declares the namespaces.
func writeNode(b *bytes.Buffer, n *node, root bool) {
	if n.name == "" {
		escape(b, n.text, false)
		return
	}
	b.WriteByte('<')
	b.WriteString(n.name)
	if root {
		b.WriteString(` xmlns="` + nsSVG + `"`)
		if usesXLink(n) {
			b.WriteString(` xmlns:xlink="` + nsXLink + `"`)
		}
	}
	for _, a := range n.attrs {
		b.WriteByte(' ')
		switch a.Name.Space {
		case nsXLink:
			b.WriteString("xlink:")
		case nsXML:
			b.WriteString("xml:")
		}
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		escape(b, a.Value, true)
		b.WriteByte('"')
	}
	if len(n.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	for _, c := range n.children {
		writeNode(b, c, false)
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

func usesXLink(n *node) bool {
	for _, a := range n.attrs {
		if a.Name.Space == nsXLink {
			return true
		}
	}
	for _, c := range n.children {
		if usesXLink(c) {
			return true
		}
	}
	return false
}

// escape writes s as XML text or a double-quoted attribute value. Carriage
// returns, and in attributes tabs and newlines, become character
// references so that parsing gives s back.
func escape(b *bytes.Buffer, s string, attr bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		case '\r':
			esc = "&#xD;"
		case '\n':
			if !attr {
				continue
			}
			esc = "&#xA;"
		case '\t':
			if !attr {
				continue
			}
			esc = "&#x9;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}
