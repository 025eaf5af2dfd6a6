package certificate

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	"github.com/cairn-badges/cairn/internal/fonts"
)

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// lineHeight is the distance between baselines, in ems.
const lineHeight = 1.22

// ellipsis ends a text cut to fit.
const ellipsis = "…"

// doc is a PDF being drawn, with the fonts registered so far.
type doc struct {
	pdf        *fpdf.Fpdf
	registered [fonts.NumScripts][2]bool
	widths     map[widthKey]float64 // measured words, by font and size
}

type widthKey struct {
	text string
	bold bool
	size float64
}

// textStyle is how a text is drawn.
type textStyle struct {
	bold  bool
	size  float64 // points
	color rgb
}

// clean puts s in normalization form C, with runs of white space made
// one space and control characters dropped.
func clean(s string) string {
	s = norm.NFC.String(s)
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029
	}), " ")
}

// setFont makes a family the current font, registering it on first use.
func (d *doc) setFont(s fonts.Script, bold bool, size float64) {
	b, st := 0, ""
	if bold {
		b, st = 1, "B"
	}
	if !d.registered[s][b] {
		d.pdf.AddUTF8FontFromBytes(s.Family(), st, fonts.TTF(s, bold))
		d.registered[s][b] = true
	}
	d.pdf.SetFont(s.Family(), st, size)
}

// maxCachedWidth is the longest text whose width is kept: words, not
// the trial cuts of a long text.
const maxCachedWidth = 64

// width returns the advance width of s in mm.
func (d *doc) width(s string, bold bool, size float64) float64 {
	k := widthKey{s, bold, size}
	if w, ok := d.widths[k]; ok {
		return w
	}
	w := 0.0
	for _, r := range fonts.Runs(s) {
		d.setFont(r.Script, bold, size)
		w += d.pdf.GetStringWidth(r.Shaped)
	}
	if len(s) <= maxCachedWidth {
		if d.widths == nil {
			d.widths = make(map[widthKey]float64)
		}
		d.widths[k] = w
	}
	return w
}

// draw writes s with its baseline starting at (x, y).
func (d *doc) draw(x, y float64, s string, st textStyle) {
	d.pdf.SetTextColor(int(st.color.r), int(st.color.g), int(st.color.b))
	for _, r := range fonts.Runs(s) {
		d.setFont(r.Script, st.bold, st.size)
		if r.Shaped != r.Text {
			d.pdf.RawWriteStr("/Span <</ActualText " + pdfText(r.Text) + ">> BDC")
		}
		d.pdf.Text(x, y, r.Shaped)
		if r.Shaped != r.Text {
			d.pdf.RawWriteStr("EMC")
		}
		x += d.pdf.GetStringWidth(r.Shaped)
	}
}

// pdfText is s as a PDF hexadecimal text string (UTF-16BE with a BOM).
func pdfText(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// align is a horizontal alignment.
type align int

const (
	left align = iota
	center
	right
)

// drawLine writes s aligned in the box [x, x+w] with its baseline at y.
func (d *doc) drawLine(x, y, w float64, s string, st textStyle, a align) {
	switch a {
	case center:
		x += (w - d.width(s, st.bold, st.size)) / 2
	case right:
		x += w - d.width(s, st.bold, st.size)
	}
	d.draw(x, y, s, st)
}

// clusters splits s into characters with their marks: the places a word
// too long for its line may break.
func clusters(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if i > start && !fonts.IsMark(r) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// wrap breaks s into lines no wider than w at size: between words, and
// between characters in a word wider than a line.
func (d *doc) wrap(s string, bold bool, size, w float64) []string {
	var lines []string
	line, lineW := "", 0.0
	space := d.width(" ", bold, size)
	for _, word := range strings.Split(s, " ") {
		ww := d.width(word, bold, size)
		switch {
		case line != "" && lineW+space+ww <= w:
			line, lineW = line+" "+word, lineW+space+ww
			continue
		case line != "":
			lines = append(lines, line)
			line, lineW = "", 0
		}
		if ww <= w {
			line, lineW = word, ww
			continue
		}
		// A hyphen does not end a broken line (text extraction takes a
		// line ending in one for a hyphenated word, and drops it): it
		// goes with the character after it.
		var cs []string
		for _, c := range clusters(word) {
			if n := len(cs); n > 0 && cs[n-1] == "-" {
				cs[n-1] += c
				continue
			}
			cs = append(cs, c)
		}
		for _, c := range cs {
			cw := d.width(c, bold, size)
			if line != "" && lineW+cw > w {
				lines = append(lines, line)
				line, lineW = "", 0
			}
			line, lineW = line+c, lineW+cw
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// ellipsize cuts s to fit w with an ellipsis at its end. The cut is
// found by bisection: widths grow with the number of characters kept.
func (d *doc) ellipsize(s string, bold bool, size, w float64) string {
	if d.width(s, bold, size) <= w {
		return s
	}
	cs := clusters(s)
	cutAt := func(n int) string { return strings.TrimRight(strings.Join(cs[:n], ""), " ") + ellipsis }
	lo, hi := 0, len(cs)-1 // cutAt(lo) fits (or lo is 0); cutAt(hi+1) does not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if d.width(cutAt(mid), bold, size) <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		return ellipsis
	}
	return cutAt(lo)
}

// fitted is a text set to fit its box.
type fitted struct {
	lines []string
	size  float64 // points
}

// height returns the height of the lines, in mm.
func (f fitted) height() float64 {
	if len(f.lines) == 0 {
		return 0
	}
	return f.size * ptToMM * (1 + lineHeight*float64(len(f.lines)-1))
}

// fit sets s in at most maxLines lines of width w and, if maxH > 0, at
// most maxH mm high: at size max if it fits on one line, else smaller (to
// 65% of max) on one line, else on more lines down to size min, else at
// min with the last line ellipsized.
func (d *doc) fit(s string, bold bool, max, min, w float64, maxLines int, maxH float64) fitted {
	if s == "" {
		return fitted{size: max}
	}
	for n := 1; n <= maxLines; n++ {
		top := max
		if maxH > 0 {
			if fits := maxH / (ptToMM * (1 + lineHeight*float64(n-1))); fits < top {
				top = fits
			}
		}
		floor := min
		if n < maxLines {
			floor = max * 0.65
			if floor < min {
				floor = min
			}
		}
		if top < floor {
			continue
		}
		for size := top; ; size *= 0.93 {
			if size < floor {
				size = floor
			}
			if lines := d.wrap(s, bold, size, w); len(lines) <= n {
				return fitted{lines: lines, size: size}
			}
			if size == floor {
				break
			}
		}
	}
	size := min
	if maxH > 0 {
		for maxLines > 1 && size*ptToMM*(1+lineHeight*float64(maxLines-1)) > maxH {
			maxLines--
		}
	}
	lines := d.wrap(s, bold, size, w)
	if len(lines) > maxLines {
		last := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], d.ellipsize(last, bold, size, w))
	}
	return fitted{lines: lines, size: size}
}

// drawFitted writes f's lines, the first baseline at y, aligned in [x, x+w];
// it returns the y below the last line's descenders.
func (d *doc) drawFitted(x, y, w float64, f fitted, st textStyle, a align) float64 {
	st.size = f.size
	for i, l := range f.lines {
		d.drawLine(x, y+float64(i)*f.size*lineHeight*ptToMM, w, l, st, a)
	}
	return y + f.height() - f.size*ptToMM + f.size*ptToMM*0.3
}
