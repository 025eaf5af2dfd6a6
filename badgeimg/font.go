package badgeimg

import (
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// face is the Go Bold font, measured in font units.
type face struct {
	f         *sfnt.Font
	upem      float64
	capHeight float64 // in em
}

var goBold = sync.OnceValue(func() *face {
	f, err := sfnt.Parse(gobold.TTF)
	if err != nil {
		panic("badgeimg: parsing Go Bold: " + err.Error())
	}
	upem := float64(f.UnitsPerEm())
	m, err := f.Metrics(nil, fixed.I(int(upem)), font.HintingNone)
	if err != nil {
		panic("badgeimg: Go Bold metrics: " + err.Error())
	}
	return &face{f: f, upem: upem, capHeight: float64(m.CapHeight) / 64 / upem}
})

func (fc *face) ppem() fixed.Int26_6 { return fixed.I(int(fc.upem)) }

// width returns the advance width of s at size, with kerning.
func (fc *face) width(s string, size float64) float64 {
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
