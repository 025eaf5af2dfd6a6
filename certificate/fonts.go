package certificate

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"sync"
	"unicode"
)

//go:embed fonts/*.ttf.gz
var fontFS embed.FS

// script is a font family: the fonts cover one script each.
type script int

const (
	latin script = iota // Latin, Greek, Cyrillic, punctuation, digits
	thai
	hangul
	numScripts
)

var fontFiles = [numScripts][2]string{
	latin:  {"NotoSans-Regular.ttf.gz", "NotoSans-Bold.ttf.gz"},
	thai:   {"NotoSansThai-Regular.ttf.gz", "NotoSansThai-Bold.ttf.gz"},
	hangul: {"NotoSansKR-Regular.ttf.gz", "NotoSansKR-Bold.ttf.gz"},
}

// family is the name a font is registered under in a PDF.
var family = [numScripts]string{latin: "NotoSans", thai: "NotoSansThai", hangul: "NotoSansKR"}

var fontOnce [numScripts][2]sync.Once
var fontBytes [numScripts][2][]byte

// font returns the TrueType bytes of a font, decompressed once.
func font(s script, bold bool) []byte {
	b := 0
	if bold {
		b = 1
	}
	fontOnce[s][b].Do(func() {
		data, err := fontFS.ReadFile("fonts/" + fontFiles[s][b])
		if err != nil {
			panic("certificate: embedded font: " + err.Error())
		}
		z, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			panic("certificate: embedded font: " + err.Error())
		}
		ttf, err := io.ReadAll(z)
		if err != nil {
			panic("certificate: embedded font: " + err.Error())
		}
		fontBytes[s][b] = ttf
	})
	return fontBytes[s][b]
}

// scriptOf returns the font family a rune is set in, and whether it is
// neutral (a space or a mark), which then takes the family of the text
// around it.
func scriptOf(r rune) (s script, neutral bool) {
	switch {
	case r == ' ' || r == '\u00a0' || r == '\u200b' || r == '\u200c' || r == '\u200d':
		return latin, true
	case 0x0E00 <= r && r <= 0x0E7F:
		return thai, false
	case 0x1100 <= r && r <= 0x11FF, 0x3130 <= r && r <= 0x318F, 0xA960 <= r && r <= 0xA97F,
		0xAC00 <= r && r <= 0xD7FF, 0x3000 <= r && r <= 0x303F, 0xFF00 <= r && r <= 0xFFEF:
		return hangul, false
	case 0x0300 <= r && r <= 0x036F:
		return latin, true // combining marks: Noto Sans has them, after Latin text
	}
	return latin, false
}

// isMark reports whether r is a combining mark, which belongs to the
// character before it (a line never breaks before one).
func isMark(r rune) bool { return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) }
