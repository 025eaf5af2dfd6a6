package fonts

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
)

func TestShapeThai(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []rune
	}{
		{"กา", []rune("กา")},
		{"ที่", []rune{'ท', 'ี', puaSmall | 0x48}},                    // tone mark raised above an upper vowel
		{"น้ำ", []rune{'น', puaSmall | 0x49, 'ำ'}},                    // … and above sara am's nikhahit
		{"ปิ่น", []rune{'ป', puaNarrow | 0x34, puaSmall | 0x48, 'น'}}, // upper vowel moved left of ป's ascender
		{"ป่า", []rune{'ป', puaNarrow | 0x48, 'า'}},                   // tone mark moved left of it
		{"ฎุ", []rune{'ฎ', puaSmall | 0x38}},                          // lower vowel under a descender
		{"ญู", []rune{puaLess | 0x0D, 'ู'}},                           // descender dropped above a lower vowel
		{"ก่ ป่", []rune{'ก', '่', ' ', 'ป', puaNarrow | 0x48}},
		{"a่", []rune("a่")}, // a Thai mark after a Latin letter: left alone
	} {
		got, changed := ShapeThai([]rune(tc.in))
		if string(got) != string(tc.want) {
			t.Errorf("ShapeThai(%q) = %U, want %U", tc.in, got, tc.want)
		}
		if changed != (tc.in != string(tc.want)) {
			t.Errorf("ShapeThai(%q) changed = %v", tc.in, changed)
		}
	}
}

// The variants shapeThai picks are in the embedded font's cmap.
func TestThaiVariantsInFont(t *testing.T) {
	for _, bold := range []bool{false, true} {
		f, err := sfnt.Parse(TTF(Thai, bold))
		if err != nil {
			t.Fatal(err)
		}
		var b sfnt.Buffer
		for _, r := range []rune{puaSmall | 0x48, puaSmall | 0x49, puaSmall | 0x4C, puaNarrow | 0x34, puaNarrow | 0x48, puaNarrow | 0x4D,
			puaSmall | 0x38, puaSmall | 0x3A, puaLess | 0x0D, puaLess | 0x10} {
			if g, err := f.GlyphIndex(&b, r); err != nil || g == 0 {
				t.Errorf("the Thai font (bold %v) has no glyph for %U", bold, r)
			}
		}
	}
}

func TestRuns(t *testing.T) {
	got := Runs("Nguyễn สมชาย 김민준 (2025)")
	var parts []string
	for _, r := range got {
		parts = append(parts, strconv.Itoa(int(r.Script))+":"+r.Text)
	}
	want := []string{"0:Nguyễn ", "1:สมชาย ", "2:김민준 ", "0:(2025)"}
	if strings.Join(parts, "|") != strings.Join(want, "|") {
		t.Errorf("runs = %q, want %q", parts, want)
	}
}
