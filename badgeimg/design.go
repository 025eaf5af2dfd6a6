package badgeimg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/vector"
)

// Shape is the outline of a generated badge.
type Shape string

// Shapes of generated badges.
const (
	Hexagon Shape = "hexagon"
	Circle  Shape = "circle"
	Shield  Shape = "shield"
	Rosette Shape = "rosette"
	Square  Shape = "square"
)

// Shapes lists the shapes in the order a form offers them.
var Shapes = []Shape{Hexagon, Circle, Shield, Rosette, Square}

// Icon is an optional glyph drawn above the title of a generated badge.
type Icon string

// Icons of generated badges; the empty Icon draws none.
const (
	NoIcon Icon = ""
	Star   Icon = "star"
	Check  Icon = "check"
	Book   Icon = "book"
	Cap    Icon = "cap"
	Bolt   Icon = "bolt"
	Heart  Icon = "heart"
	Code   Icon = "code"
)

// Icons lists the icons in the order a form offers them.
var Icons = []Icon{Star, Check, Book, Cap, Bolt, Heart, Code}

// Palette is a pair of colours that go well together.
type Palette struct {
	Name               string
	Primary, Secondary string
}

// Palettes are suggested colour pairs; the first is the default.
var Palettes = []Palette{
	{"Navy and gold", "#1e3a5f", "#d9b45a"},
	{"Forest", "#1f5c46", "#e6cf7a"},
	{"Burgundy", "#7a1f3d", "#ebc58a"},
	{"Teal", "#0f5e6b", "#a8e0d5"},
	{"Slate", "#334155", "#cbd5e1"},
	{"Violet", "#4c2a85", "#f2be55"},
	{"Terracotta", "#b4532a", "#fbe4c8"},
}

// Limits on the text of a Design.
const (
	MaxTitleLength    = 80 // characters
	MaxSubtitleLength = 60
)

// Design is a generated badge image: a shape filled with the primary colour
// and rimmed with the secondary colour, an optional icon, the title and a
// subtitle. The zero value is a valid, blank navy-and-gold hexagon.
type Design struct {
	Shape Shape
	// Primary and Secondary are colours as "#rrggbb"; empty means the
	// default palette.
	Primary, Secondary string
	Title, Subtitle    string
	Icon               Icon
}

// ErrInvalidDesign is wrapped by the errors of [Design.Validate].
var ErrInvalidDesign = errors.New("invalid design")

// A DesignError names the field of a Design that is invalid.
type DesignError struct {
	Field  string // "shape", "primary", "secondary", "title", "subtitle" or "icon"
	Reason string
}

func (e *DesignError) Error() string {
	return fmt.Sprintf("badgeimg: design %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidDesign) true.
func (e *DesignError) Is(target error) bool { return target == ErrInvalidDesign }

// Validate reports the first invalid field as a *[DesignError]: an unknown
// shape or icon, a colour not written "#rrggbb", a title or subtitle that
// is too long or has control characters.
func (d Design) Validate() error {
	if d.Shape != "" && shapeIndex(d.Shape) < 0 {
		return &DesignError{"shape", fmt.Sprintf("unknown shape %q", d.Shape)}
	}
	for _, c := range []struct{ field, v string }{{"primary", d.Primary}, {"secondary", d.Secondary}} {
		if _, ok := parseColor(c.v); c.v != "" && !ok {
			return &DesignError{c.field, fmt.Sprintf("%q is not a colour written #rrggbb", c.v)}
		}
	}
	for _, t := range []struct {
		field, v string
		max      int
	}{{"title", d.Title, MaxTitleLength}, {"subtitle", d.Subtitle, MaxSubtitleLength}} {
		if !utf8.ValidString(t.v) {
			return &DesignError{t.field, "not valid UTF-8"}
		}
		if n := utf8.RuneCountInString(t.v); n > t.max {
			return &DesignError{t.field, fmt.Sprintf("%d characters, at most %d", n, t.max)}
		}
		if strings.ContainsFunc(t.v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
			return &DesignError{t.field, "contains control characters"}
		}
	}
	if d.Icon != "" && icons[d.Icon] == "" {
		return &DesignError{"icon", fmt.Sprintf("unknown icon %q", d.Icon)}
	}
	return nil
}

func shapeIndex(s Shape) int {
	for i, x := range Shapes {
		if x == s {
			return i
		}
	}
	return -1
}

func parseColor(s string) (color.NRGBA, bool) {
	if len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, false
	}
	b, err := hex.DecodeString(s[1:])
	if err != nil {
		return color.NRGBA{}, false
	}
	return color.NRGBA{b[0], b[1], b[2], 255}, true
}

func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// mix returns a + (b - a)·t.
func mix(a, b color.NRGBA, t float64) color.NRGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.NRGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

// luminance is the WCAG relative luminance.
func luminance(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// contrast is the WCAG contrast ratio of two colours.
func contrast(a, b color.NRGBA) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

var (
	white = color.NRGBA{255, 255, 255, 255}
	ink   = color.NRGBA{0x1b, 0x1f, 0x24, 255}
)

// The design space is 512×512.
const (
	designSize = 512
	center     = designSize / 2
)

// fill is how a layer is painted: a flat colour, or a vertical gradient
// from top (at y = 0) to bottom (at y = designSize).
type fill struct {
	c, bottom color.NRGBA
	gradient  bool
	opacity   float64 // 0 means 1
}

type layer struct {
	p path
	f fill
}

type textLine struct {
	s           string
	y, size     float64 // baseline, font size
	width       float64
	fill        fill
	class, role string
}

// scene is a design laid out in design space.
type scene struct {
	layers []layer
	text   []textLine
	gradID string
	grad   fill
	label  string
	face   *face // the text's
}

// shapePath returns the outline of shape scaled by k (1 = full size).
func shapePath(s Shape, k float64) path {
	R := 244 * k
	var p path
	switch s {
	case Circle:
		circlePath(&p, R)
	case Square:
		h, r := 0.9*R, 0.22*R
		roundedPolygon(&p, []point{{center - h, center - h}, {center + h, center - h}, {center + h, center + h}, {center - h, center + h}}, r)
	case Shield:
		u := func(x, y float64) point { return point{center + x*R, center + y*R} }
		p.moveTo(u(-0.86, -0.76))
		p.quadTo(u(-0.86, -0.92), u(-0.70, -0.92))
		p.lineTo(u(0.70, -0.92))
		p.quadTo(u(0.86, -0.92), u(0.86, -0.76))
		p.lineTo(u(0.86, 0.06))
		p.cubeTo(u(0.86, 0.52), u(0.48, 0.84), u(0, 1))
		p.cubeTo(u(-0.48, 0.84), u(-0.86, 0.52), u(-0.86, 0.06))
		p.close()
	case Rosette:
		const n = 24
		rv := 0.92 * R
		rc := 2*R - rv*math.Cos(math.Pi/n)
		at := func(r, a float64) point { return point{center + r*math.Sin(a), center - r*math.Cos(a)} }
		p.moveTo(at(rv, 0))
		for i := range n {
			a0 := 2 * math.Pi * float64(i) / n
			p.quadTo(at(rc, a0+math.Pi/n), at(rv, a0+2*math.Pi/n))
		}
		p.close()
	default: // Hexagon
		var pts []point
		for i := range 6 {
			a := math.Pi / 3 * float64(i)
			pts = append(pts, point{center + R*math.Sin(a), center - R*math.Cos(a)})
		}
		roundedPolygon(&p, pts, 0.16*R)
	}
	return p
}

// circlePath adds a circle of radius r about the centre, as four cubic
// Béziers.
func circlePath(p *path, r float64) {
	const k = 0.5522847498
	c := float64(center)
	p.moveTo(point{c, c - r})
	p.cubeTo(point{c + k*r, c - r}, point{c + r, c - k*r}, point{c + r, c})
	p.cubeTo(point{c + r, c + k*r}, point{c + k*r, c + r}, point{c, c + r})
	p.cubeTo(point{c - k*r, c + r}, point{c - r, c + k*r}, point{c - r, c})
	p.cubeTo(point{c - r, c - k*r}, point{c - k*r, c - r}, point{c, c - r})
	p.close()
}

// roundedPolygon adds a polygon whose corners are rounded with quadratic
// curves starting r before each vertex.
func roundedPolygon(p *path, pts []point, r float64) {
	n := len(pts)
	toward := func(a, b point, d float64) point {
		l := math.Hypot(b.x-a.x, b.y-a.y)
		return point{a.x + (b.x-a.x)*d/l, a.y + (b.y-a.y)*d/l}
	}
	for i := range n {
		prev, v, next := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
		in, out := toward(v, prev, r), toward(v, next, r)
		if i == 0 {
			p.moveTo(in)
		} else {
			p.lineTo(in)
		}
		p.quadTo(v, out)
	}
	p.close()
}

// normalized returns the design with defaults for empty or invalid fields.
func (d Design) normalized() Design {
	if shapeIndex(d.Shape) < 0 {
		d.Shape = Hexagon
	}
	if _, ok := parseColor(d.Primary); !ok {
		d.Primary = Palettes[0].Primary
	}
	if _, ok := parseColor(d.Secondary); !ok {
		d.Secondary = Palettes[0].Secondary
	}
	if icons[d.Icon] == "" {
		d.Icon = NoIcon
	}
	clean := func(s string, n int) string {
		s = strings.ToValidUTF8(s, "")
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
		if utf8.RuneCountInString(s) > n {
			s = string([]rune(s)[:n-1]) + "…"
		}
		return s
	}
	d.Title = clean(d.Title, MaxTitleLength)
	d.Subtitle = clean(d.Subtitle, MaxSubtitleLength)
	return d
}

// layout computes the scene of a design.
func (d Design) layout() scene {
	d = d.normalized()
	primary, _ := parseColor(d.Primary)
	secondary, _ := parseColor(d.Secondary)
	h := sha256.Sum256([]byte(d.Primary + d.Secondary))
	sc := scene{gradID: "cairn-badge-" + hex.EncodeToString(h[:4])}
	sc.grad = fill{c: mix(primary, white, 0.16), bottom: mix(primary, color.NRGBA{0, 0, 0, 255}, 0.12), gradient: true}

	rim := fill{c: secondary}
	outer := shapePath(d.Shape, 1)
	sc.layers = append(sc.layers, layer{outer, rim})
	inner := func(k float64) path {
		if d.Shape == Rosette {
			var p path
			circlePath(&p, 244*k*0.86)
			return p
		}
		return shapePath(d.Shape, k)
	}
	sc.layers = append(sc.layers,
		layer{inner(0.915), sc.grad},
		layer{inner(0.875), fill{c: secondary, opacity: 0.85}},
		layer{inner(0.86), sc.grad},
	)

	textColor := white
	if contrast(white, primary) < 3 {
		textColor = ink
	}
	accent := secondary
	if contrast(secondary, primary) < 2.2 {
		accent = textColor
	}

	content := inner(0.86).flatten()
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, poly := range content {
		for _, q := range poly {
			ymin, ymax = min(ymin, q.y), max(ymax, q.y)
		}
	}
	cy := float64(center)
	if d.Shape == Shield {
		cy -= 22
	}
	fc := faceFor(d.Title, strings.ToUpper(d.Subtitle))
	sc.face = fc
	sc.label = d.Title
	if d.Subtitle != "" {
		if sc.label != "" {
			sc.label += " — "
		}
		sc.label += d.Subtitle
	}

	// The stack, top to bottom: icon, title (up to three lines, as large
	// as fits), separator, subtitle (upper case, up to two lines at a
	// fixed size). Each line is as wide as the shape allows at its height.
	const subSize, iconSize, iconGap, sepGap = 24.0, 84.0, 20.0, 18.0
	const titleLead, subLead = 1.12, 1.3
	subText := strings.ToUpper(d.Subtitle)
	stackHeight := func(size float64, n, m int) float64 {
		hgt := float64(n)*size*titleLead + float64(m)*subSize*subLead
		if d.Icon != NoIcon {
			hgt += iconSize + iconGap
		}
		if m > 0 {
			hgt += 2 * sepGap
		}
		return hgt
	}
	// widths returns the room for n title lines and m subtitle lines.
	widths := func(size float64, n, m int) (title, sub []float64) {
		y := cy - stackHeight(size, n, m)/2
		if d.Icon != NoIcon {
			y += iconSize + iconGap
		}
		room := func(y0, y1 float64) float64 {
			hw := min(halfWidth(content, center, y0), halfWidth(content, center, y1), halfWidth(content, center, (y0+y1)/2))
			return 2 * (hw - 22)
		}
		for range n {
			title = append(title, room(y, y+size*titleLead))
			y += size * titleLead
		}
		y += 2 * sepGap
		for range m {
			sub = append(sub, min(room(y, y+subSize*subLead), 300))
			y += subSize * subLead
		}
		return title, sub
	}
	// tall reports whether a stack would come closer than 36 units to the
	// top or bottom of the content area (the shield's point is narrow, so
	// keep further from it).
	tall := func(size float64, n, m int) bool {
		h := stackHeight(size, n, m)
		bottomPad := 36.0
		if d.Shape == Shield {
			bottomPad = 70
		}
		return cy-h/2 < ymin+36 || cy+h/2 > ymax-bottomPad
	}
	maxN, maxM := 3, 2
	if d.Title == "" {
		maxN = 0
	}
	if subText == "" {
		maxM = 0
	}
	var titleLines, subLines []string
	titleSize := 28.0
	fitted := false
search:
	for size := 64.0; size >= 28; size -= 2 {
		for n := min(1, maxN); n <= maxN; n++ {
			for m := min(1, maxM); m <= maxM; m++ {
				if tall(size, n, m) {
					continue
				}
				tw, sw := widths(size, n, m)
				tl := wrap(fc, d.Title, size, tw, false)
				sl := wrap(fc, subText, subSize, sw, false)
				if len(tl) == n && len(sl) == m {
					titleLines, subLines, titleSize, fitted = tl, sl, size, true
					break search
				}
			}
		}
	}
	if !fitted {
		// Too long: the smallest size, and the most lines that are not too
		// tall, ending with an ellipsis.
	fallback:
		for n := maxN; n >= min(1, maxN); n-- {
			for m := maxM; m >= min(1, maxM); m-- {
				if !tall(titleSize, n, m) || n <= 1 && m <= 1 {
					tw, sw := widths(titleSize, n, m)
					titleLines = wrap(fc, d.Title, titleSize, tw, true)
					subLines = wrap(fc, subText, subSize, sw, true)
					break fallback
				}
			}
		}
	}

	// Stack everything about cy.
	y := cy - stackHeight(titleSize, len(titleLines), len(subLines))/2
	if d.Icon != NoIcon {
		ip := parsePath(icons[d.Icon]).transform(iconSize/100, 0, 0, center-iconSize/2, y)
		sc.layers = append(sc.layers, layer{ip, fill{c: accent}})
		y += iconSize + iconGap
	}
	for _, l := range titleLines {
		base := y + (titleSize*titleLead+fc.capHeight*titleSize)/2
		sc.text = append(sc.text, textLine{s: l, y: base, size: titleSize, width: fc.width(l, titleSize), fill: fill{c: textColor}, class: "title"})
		y += titleSize * titleLead
	}
	if len(subLines) > 0 {
		if len(titleLines) > 0 || d.Icon != NoIcon {
			sep := path{}
			roundedPolygon(&sep, []point{{center - 28, y + sepGap - 1.5}, {center + 28, y + sepGap - 1.5}, {center + 28, y + sepGap + 1.5}, {center - 28, y + sepGap + 1.5}}, 1.4)
			sc.layers = append(sc.layers, layer{sep, fill{c: accent}})
		}
		y += 2 * sepGap
		for _, l := range subLines {
			base := y + (subSize*subLead+fc.capHeight*subSize)/2
			sc.text = append(sc.text, textLine{s: l, y: base, size: subSize, width: fc.width(l, subSize), fill: fill{c: accent}, class: "subtitle"})
			y += subSize * subLead
		}
	}
	return sc
}

// wrap breaks s into lines no wider than widths (one per line). It returns
// nil when s does not fit, unless force is set: then words longer than a
// line are broken and the last line ends with an ellipsis.
func wrap(fc *face, s string, size float64, widths []float64, force bool) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return nil
	}
	var lines []string
	i := 0
	for li, w := range widths {
		if i == len(words) {
			break
		}
		line := words[i]
		if fc.width(line, size) > w {
			if !force {
				return nil
			}
			r := []rune(line)
			n := len(r)
			for n > 1 && fc.width(string(r[:n]), size) > w {
				n--
			}
			lines = append(lines, string(r[:n]))
			words[i] = string(r[n:])
			if li == len(widths)-1 {
				lines[li] = ellipsize(fc, lines[li], size, w)
			}
			continue
		}
		i++
		for i < len(words) && fc.width(line+" "+words[i], size) <= w {
			line += " " + words[i]
			i++
		}
		if li == len(widths)-1 && i < len(words) {
			if !force {
				return nil
			}
			line = ellipsize(fc, line+" "+words[i], size, w)
			i = len(words)
		}
		lines = append(lines, line)
	}
	if i < len(words) && !force {
		return nil
	}
	return lines
}

// ellipsize shortens s until s + "…" fits in w, at a word boundary when
// that keeps at least half of the line.
func ellipsize(fc *face, s string, size, w float64) string {
	r := []rune(s)
	for len(r) > 0 && fc.width(strings.TrimRight(string(r), " ")+"…", size) > w {
		r = r[:len(r)-1]
	}
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > 0 && utf8.RuneCountInString(cut[:i]) >= len(r)/2 && len(r) < utf8.RuneCountInString(s) && s[len(cut)] != ' ' {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-") + "…"
}

// SVG returns the design as a standalone SVG document. It is
// deterministic: the same design gives the same bytes. Empty or invalid
// fields take their defaults (see [Design.Validate]). Text uses the Go Bold
// metrics, with textLength so that other fonts take the same room.
func (d Design) SVG() []byte {
	sc := d.layout()
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		escape(&e, s, true)
		return e.String()
	}
	fmt.Fprintf(&b, `<svg xmlns="%s" viewBox="0 0 %d %d" width="%d" height="%d" role="img"`, nsSVG, designSize, designSize, designSize, designSize)
	if sc.label != "" {
		fmt.Fprintf(&b, ` aria-label="%s"`, esc(sc.label))
	}
	b.WriteString(">\n")
	if sc.label != "" {
		fmt.Fprintf(&b, "  <title>%s</title>\n", esc(sc.label))
	}
	fmt.Fprintf(&b, "  <defs>\n    <linearGradient id=\"%s\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"%d\" gradientUnits=\"userSpaceOnUse\">\n", sc.gradID, designSize)
	fmt.Fprintf(&b, "      <stop offset=\"0\" stop-color=\"%s\"/>\n      <stop offset=\"1\" stop-color=\"%s\"/>\n    </linearGradient>\n  </defs>\n", hexColor(sc.grad.c), hexColor(sc.grad.bottom))
	paint := func(f fill) string {
		s := ` fill="` + hexColor(f.c) + `"`
		if f.gradient {
			s = ` fill="url(#` + sc.gradID + `)"`
		}
		if f.opacity > 0 && f.opacity < 1 {
			s += ` fill-opacity="` + strconv.FormatFloat(f.opacity, 'f', -1, 64) + `"`
		}
		return s
	}
	for _, l := range sc.layers {
		fmt.Fprintf(&b, "  <path d=\"%s\"%s/>\n", l.p.d(), paint(l.f))
	}
	family := "'Go', 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif"
	if sc.face != nil && sc.face.scripts != nil {
		family = "'Noto Sans', 'Noto Sans Thai', 'Noto Sans KR', 'Noto Sans CJK KR', sans-serif"
	}
	for _, t := range sc.text {
		fmt.Fprintf(&b, "  <text x=\"%d\" y=\"%s\" text-anchor=\"middle\" font-family=\"%s\" font-weight=\"700\" font-size=\"%s\" textLength=\"%s\" lengthAdjust=\"spacingAndGlyphs\"%s>%s</text>\n",
			center, num(t.y), family, num(t.size), num(t.width), paint(t.fill), esc(t.s))
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// Limits on Design.PNG sizes, in pixels.
const (
	MinDesignSize = 16
	MaxDesignSize = MaxPNGDimension
)

// PNG renders the design as a size×size PNG with a transparent background,
// anti-aliased, from the same geometry as [Design.SVG]. size must be
// between [MinDesignSize] and [MaxDesignSize].
func (d Design) PNG(size int) ([]byte, error) {
	if size < MinDesignSize || size > MaxDesignSize {
		return nil, fmt.Errorf("badgeimg: PNG size %d, want %d to %d", size, MinDesignSize, MaxDesignSize)
	}
	sc := d.layout()
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	mask := image.NewAlpha(img.Bounds())
	k := float64(size) / designSize
	z := vector.NewRasterizer(size, size)
	paint := func(p path, f fill) {
		r := p.bounds(k).Intersect(img.Bounds())
		if r.Empty() {
			return
		}
		z.Reset(r.Dx(), r.Dy())
		p.rasterize(z, k, r.Min)
		if !f.gradient {
			c := f.c
			if f.opacity > 0 && f.opacity < 1 {
				c.A = uint8(math.Round(255 * f.opacity))
			}
			z.DrawOp = draw.Over
			z.Draw(img, r, image.NewUniform(c), image.Point{})
			return
		}
		// A gradient: rasterize the coverage, then blend an opaque colour
		// per row (vector's generic path costs an interface call per pixel).
		z.DrawOp = draw.Src
		z.Draw(mask, r, image.Opaque, image.Point{})
		for y := r.Min.Y; y < r.Max.Y; y++ {
			c := mix(f.c, f.bottom, min(max((float64(y)+0.5)/float64(size), 0), 1))
			src := [4]uint32{uint32(c.R), uint32(c.G), uint32(c.B), 255}
			row := img.Pix[y*img.Stride+4*r.Min.X : y*img.Stride+4*r.Max.X]
			for x, m := range mask.Pix[y*mask.Stride+r.Min.X : y*mask.Stride+r.Max.X] {
				if m == 0 {
					continue
				}
				ma, inv := uint32(m), 255-uint32(m)
				for i := range 4 {
					row[4*x+i] = uint8((uint32(row[4*x+i])*inv + src[i]*ma + 127) / 255)
				}
			}
		}
	}
	for _, l := range sc.layers {
		paint(l.p, l.f)
	}
	for _, t := range sc.text {
		paint(sc.face.outline(t.s, center-t.width/2, t.y, t.size), t.fill)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img); err != nil {
		return nil, fmt.Errorf("badgeimg: encoding PNG: %w", err)
	}
	return out.Bytes(), nil
}
