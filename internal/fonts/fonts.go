// Package fonts holds the fonts Cairn draws text with, in PDF
// certificates (package certificate) and badge images (package badgeimg):
// subsets of Noto Sans for Latin (Vietnamese and the other Latin-script
// languages among them), Greek and Cyrillic, Noto Sans Thai and Noto Sans
// CJK KR for Hangul, regular and bold, gzip-compressed in the binary
// (README.md says where they come from; OFL.txt is their licence). Text
// is set run by run, each run in the font of its script (ScriptOf); Thai
// takes the fonts' positional mark variants (ShapeThai), since neither
// writer reads OpenType layout tables.
package fonts

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"sync"
	"unicode"
)

//go:embed *.ttf.gz
var fontFS embed.FS

// Script is a font family: the fonts cover one script each.
type Script int

// The scripts.
const (
	Latin Script = iota // Latin, Greek, Cyrillic, punctuation, digits
	Thai
	Hangul
	NumScripts
)

var files = [NumScripts][2]string{
	Latin:  {"NotoSans-Regular.ttf.gz", "NotoSans-Bold.ttf.gz"},
	Thai:   {"NotoSansThai-Regular.ttf.gz", "NotoSansThai-Bold.ttf.gz"},
	Hangul: {"NotoSansKR-Regular.ttf.gz", "NotoSansKR-Bold.ttf.gz"},
}

// Family is the name of a script's font: NotoSans, NotoSansThai,
// NotoSansKR.
func (s Script) Family() string {
	return [NumScripts]string{Latin: "NotoSans", Thai: "NotoSansThai", Hangul: "NotoSansKR"}[s]
}

var (
	once [NumScripts][2]sync.Once
	ttfs [NumScripts][2][]byte
)

// TTF returns the TrueType bytes of a script's font, decompressed on
// first use. The caller must not change them.
func TTF(s Script, bold bool) []byte {
	b := 0
	if bold {
		b = 1
	}
	once[s][b].Do(func() {
		data, err := fontFS.ReadFile(files[s][b])
		if err != nil {
			panic("fonts: embedded font: " + err.Error())
		}
		z, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			panic("fonts: embedded font: " + err.Error())
		}
		ttf, err := io.ReadAll(z)
		if err != nil {
			panic("fonts: embedded font: " + err.Error())
		}
		ttfs[s][b] = ttf
	})
	return ttfs[s][b]
}

// ScriptOf returns the font a rune is set in, and whether it is neutral
// (a space or a combining mark), which then takes the font of the text
// around it.
func ScriptOf(r rune) (s Script, neutral bool) {
	switch {
	case r == ' ' || r == '\u00a0' || r == '\u200b' || r == '\u200c' || r == '\u200d':
		return Latin, true
	case 0x0E00 <= r && r <= 0x0E7F:
		return Thai, false
	case 0x1100 <= r && r <= 0x11FF, 0x3130 <= r && r <= 0x318F, 0xA960 <= r && r <= 0xA97F,
		0xAC00 <= r && r <= 0xD7FF, 0x3000 <= r && r <= 0x303F, 0xFF00 <= r && r <= 0xFFEF:
		return Hangul, false
	case 0x0300 <= r && r <= 0x036F:
		return Latin, true // combining marks: Noto Sans has them, after Latin text
	}
	return Latin, false
}

// IsMark reports whether r is a combining mark, which belongs to the
// character before it (a line never breaks before one).
func IsMark(r rune) bool { return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) }

// Run is a stretch of text in one font.
type Run struct {
	Script Script
	Text   string // as written
	Shaped string // as drawn: Text with Thai marks in their variants
}

// Runs splits s by font; neutral runes (spaces, marks) join the
// run before them (or after, at the start).
func Runs(s string) []Run {
	var out []Run
	var cur []rune
	curScript, have := Latin, false
	flush := func() {
		if len(cur) == 0 {
			return
		}
		r := Run{Script: curScript, Text: string(cur), Shaped: string(cur)}
		if curScript == Thai {
			if shaped, changed := ShapeThai(cur); changed {
				r.Shaped = string(shaped)
			}
		}
		out = append(out, r)
		cur = cur[:0]
	}
	for _, r := range s {
		sc, neutral := ScriptOf(r)
		switch {
		case neutral && have:
			// keeps the current family
		case !have:
			curScript, have = sc, !neutral
			if neutral {
				curScript = Latin
			}
		case sc != curScript:
			flush()
			curScript = sc
		}
		if !neutral {
			have = true
		}
		cur = append(cur, r)
	}
	flush()
	return out
}
