package badgeimg

import (
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"

	"github.com/cairn-badges/cairn/internal/fonts"
)

// face is a font measured in font units: Go Bold, or the bold Noto fonts
// of package fonts, one per script.
type face struct {
	f         *sfnt.Font
	upem      float64
	capHeight float64 // in em
	// scripts, when not nil, makes the face a family: text is set run by
	// run (fonts.Runs), each run in its script's face (f is Latin's).
	scripts *[fonts.NumScripts]*face
}

func parseFace(name string, ttf []byte) *face {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		panic("badgeimg: parsing " + name + ": " + err.Error())
	}
	upem := float64(f.UnitsPerEm())
	m, err := f.Metrics(nil, fixed.I(int(upem)), font.HintingNone)
	if err != nil {
		panic("badgeimg: " + name + " metrics: " + err.Error())
	}
	return &face{f: f, upem: upem, capHeight: float64(m.CapHeight) / 64 / upem}
}

var goBold = sync.OnceValue(func() *face { return parseFace("Go Bold", gobold.TTF) })

// notoBold is Noto Sans Bold with Noto Sans Thai Bold and Noto Sans CJK
// KR Bold: Vietnamese, Thai and Korean, which Go Bold lacks.
var notoBold = sync.OnceValue(func() *face {
	var ss [fonts.NumScripts]*face
	for s := range fonts.NumScripts {
		ss[s] = parseFace(s.Family()+" Bold", fonts.TTF(s, true))
	}
	fc := *ss[fonts.Latin]
	fc.scripts = &ss
	return &fc
})

// faceFor returns Go Bold when it has every character of texts, else the
// Noto family (so that a title is set in one design, not Go Bold with
// Noto letters among it).
func faceFor(texts ...string) *face {
	g := goBold()
	var b sfnt.Buffer
	for _, s := range texts {
		for _, r := range s {
			if r == ' ' {
				continue
			}
			if i, err := g.f.GlyphIndex(&b, r); err != nil || i == 0 {
				return notoBold()
			}
		}
	}
	return g
}

func (fc *face) ppem() fixed.Int26_6 { return fixed.I(int(fc.upem)) }

// width returns the advance width of s at size, with kerning.
func (fc *face) width(s string, size float64) float64 {
	if fc.scripts != nil {
		w := 0.0
		for _, r := range fonts.Runs(norm.NFC.String(s)) {
			w += fc.scripts[r.Script].width(r.Shaped, size)
		}
		return w
	}
	var b sfnt.Buffer
	var w fixed.Int26_6
	prev := sfnt.GlyphIndex(0)
	for i, r := range s {
		g, _ := fc.f.GlyphIndex(&b, r)
		if i > 0 {
			if k, err := fc.f.Kern(&b, prev, g, fc.ppem(), font.HintingNone); err == nil {
				w += k
			}
		}
		a, _ := fc.f.GlyphAdvance(&b, g, fc.ppem(), font.HintingNone)
		w += a
		prev = g
	}
	return float64(w) / 64 / fc.upem * size
}

// outline returns the glyph outlines of s at size with its baseline
// starting at (x, y), in design space.
func (fc *face) outline(s string, x, y, size float64) path {
	if fc.scripts != nil {
		var p path
		for _, r := range fonts.Runs(norm.NFC.String(s)) {
			sub := fc.scripts[r.Script]
			p = append(p, sub.outline(r.Shaped, x, y, size)...)
			x += sub.width(r.Shaped, size)
		}
		return p
	}
	var b sfnt.Buffer
	var p path
	k := size / fc.upem / 64
	pen := 0.0
	prev := sfnt.GlyphIndex(0)
	for i, r := range s {
		g, _ := fc.f.GlyphIndex(&b, r)
		if i > 0 {
			if kern, err := fc.f.Kern(&b, prev, g, fc.ppem(), font.HintingNone); err == nil {
				pen += float64(kern)
			}
		}
		segs, err := fc.f.LoadGlyph(&b, g, fc.ppem(), nil)
		if err == nil {
			pt := func(a fixed.Point26_6) point {
				return point{x + (pen+float64(a.X))*k, y + float64(a.Y)*k}
			}
			for _, sg := range segs {
				switch sg.Op {
				case sfnt.SegmentOpMoveTo:
					p.moveTo(pt(sg.Args[0]))
				case sfnt.SegmentOpLineTo:
					p.lineTo(pt(sg.Args[0]))
				case sfnt.SegmentOpQuadTo:
					p.quadTo(pt(sg.Args[0]), pt(sg.Args[1]))
				case sfnt.SegmentOpCubeTo:
					p.cubeTo(pt(sg.Args[0]), pt(sg.Args[1]), pt(sg.Args[2]))
				}
			}
		}
		a, _ := fc.f.GlyphAdvance(&b, g, fc.ppem(), font.HintingNone)
		pen += float64(a)
		prev = g
	}
	return p
}
