package fonts

// Thai shaping, as far as a writer that places glyphs by advance width
// needs it. The embedded Noto Sans Thai maps its
// positional variants to Private Use Area code points (scripts/fonts/build.py):
// U+F7xx is the variant of U+0Exx moved left, U+F8xx the raised tone mark
// or lowered lower vowel, U+F9xx the consonant without its descender.
const (
	puaNarrow = 0xF700
	puaSmall  = 0xF800
	puaLess   = 0xF900
)

// tall consonants, whose ascender the upper marks must clear: ป ฝ ฟ ฬ.
func isTall(r rune) bool { return r == 0x0E1B || r == 0x0E1D || r == 0x0E1F || r == 0x0E2C }

// consonants whose descender a lower vowel goes under: ฎ ฏ.
func hasDescender(r rune) bool { return r == 0x0E0E || r == 0x0E0F }

// consonants that drop their descender above a lower vowel: ญ ฐ.
func dropsDescender(r rune) bool { return r == 0x0E0D || r == 0x0E10 }

// upper vowels and signs: ั ิ ี ึ ื ็ ํ.
func isUpperVowel(r rune) bool {
	return r == 0x0E31 || (0x0E34 <= r && r <= 0x0E37) || r == 0x0E47 || r == 0x0E4D
}

// tone marks and the thanthakhat: ่ ้ ๊ ๋ ์.
func isTone(r rune) bool { return 0x0E48 <= r && r <= 0x0E4C }

// lower vowels and phinthu: ุ ู ฺ.
func isLowerVowel(r rune) bool { return 0x0E38 <= r && r <= 0x0E3A }

// ShapeThai returns s with Thai marks replaced by the positional variants
// their context needs, and whether it changed anything. Only runes of the
// Thai block are read; everything else passes through.
func ShapeThai(s []rune) ([]rune, bool) {
	out := make([]rune, len(s))
	copy(out, s)
	changed := false
	set := func(i int, r rune) {
		if out[i] != r {
			out[i], changed = r, true
		}
	}
	base := -1     // index of the cluster's consonant
	upper := false // an upper vowel came after the consonant
	for i, r := range s {
		switch {
		case 0x0E01 <= r && r <= 0x0E2E: // a consonant starts a cluster
			base, upper = i, false
		case base < 0:
		case isLowerVowel(r):
			switch b := s[base]; {
			case hasDescender(b):
				set(i, puaSmall|(r&0xFF))
			case dropsDescender(b):
				set(base, puaLess|(b&0xFF))
			}
		case isUpperVowel(r):
			if isTall(s[base]) {
				set(i, puaNarrow|(r&0xFF))
			}
			upper = true
		case isTone(r):
			next := rune(0)
			if i+1 < len(s) {
				next = s[i+1]
			}
			switch {
			case upper || next == 0x0E33: // above an upper vowel, or sara am's nikhahit
				set(i, puaSmall|(r&0xFF))
			case isTall(s[base]):
				set(i, puaNarrow|(r&0xFF))
			}
		case r == 0x0E33: // sara am ends the cluster's marks
			base = -1
		case 0x0E30 <= r && r <= 0x0E4E: // other vowels and signs
		default:
			base = -1
		}
	}
	return out, changed
}
