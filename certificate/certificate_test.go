package certificate

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/cairn-badges/cairn/i18n"
)

func TestClean(t *testing.T) {
	// NFD Vietnamese becomes precomposed; white space and controls collapse.
	if got := clean("Nguye\u0302\u0303n\tThi\u0323\n\x00 Tha\u0309o  "); got != "Nguyễn Thị Thảo" {
		t.Errorf("clean = %q", got)
	}
}

func testDoc() *doc { return &doc{pdf: fpdf.New("L", "mm", "A4", "")} }

// A text of any length fits its box: no line wider than the box, never
// more lines than allowed, never smaller than the floor; a text cut to fit
// ends with an ellipsis.
func TestFit(t *testing.T) {
	d := testDoc()
	long := strings.Repeat("Wolfeschlegelsteinhausenbergerdorff ", 20)
	for _, tc := range []struct {
		s          string
		w          float64
		lines      int
		maxH       float64
		wantSize   float64 // 0: any
		wantCut    bool
		wantNLines int // 0: any
	}{
		{"Ada Lovelace", 200, 2, 0, 32, false, 1},
		{"Ada Lovelace", 30, 2, 0, 0, false, 0},
		{long, 230, 2, 0, 13, true, 2},
		{strings.Repeat("กขคง", 200), 230, 2, 20, 13, true, 0},
		{strings.Repeat("가나다라", 200), 100, 3, 0, 13, true, 3},
		{"Supercalifragilisticexpialidocious", 20, 2, 0, 13, true, 2},
	} {
		f := d.fit(clean(tc.s), true, 32, 13, tc.w, tc.lines, tc.maxH)
		if len(f.lines) == 0 || len(f.lines) > tc.lines {
			t.Errorf("%.20q: %d lines, want 1 to %d", tc.s, len(f.lines), tc.lines)
		}
		if tc.wantNLines != 0 && len(f.lines) != tc.wantNLines {
			t.Errorf("%.20q: %d lines, want %d", tc.s, len(f.lines), tc.wantNLines)
		}
		if f.size < 13 || f.size > 32 || tc.wantSize != 0 && f.size != tc.wantSize {
			t.Errorf("%.20q: size %.1f, want %v (13 to 32)", tc.s, f.size, tc.wantSize)
		}
		if tc.maxH > 0 && f.height() > tc.maxH+0.01 {
			t.Errorf("%.20q: %.1f mm high, at most %.1f", tc.s, f.height(), tc.maxH)
		}
		for _, l := range f.lines {
			if w := d.width(l, true, f.size); w > tc.w+0.01 {
				t.Errorf("%.20q: line %.20q is %.1f mm wide, box %.1f", tc.s, l, w, tc.w)
			}
		}
		if cut := strings.HasSuffix(f.lines[len(f.lines)-1], ellipsis); cut != tc.wantCut {
			t.Errorf("%.20q: cut = %v, want %v", tc.s, cut, tc.wantCut)
		}
	}
}

// FuzzFit: any text, fitted to any box, gives lines that fit it.
func FuzzFit(f *testing.F) {
	for _, s := range []string{"Ada Lovelace", "สมชาย ใจดี", "김민준", "Nguyễn Thị Thảo", "a-b-c-d", "", " \u0301x"} {
		f.Add(s, 50.0)
	}
	d := testDoc()
	f.Fuzz(func(t *testing.T, s string, w float64) {
		if !utf8.ValidString(s) || w < 10 || w > 300 || len(s) > 2000 {
			return
		}
		fit := d.fit(clean(s), false, 20, 8, w, 2, 0)
		if len(fit.lines) > 2 {
			t.Fatalf("%d lines", len(fit.lines))
		}
		for _, l := range fit.lines {
			if lw := d.width(l, false, fit.size); lw > w+0.01 && utf8.RuneCountInString(l) > 1 {
				t.Fatalf("line %q is %.1f mm wide, box %.1f", l, lw, w)
			}
		}
	})
}

var baseFont = regexp.MustCompile(`/Type /Font\s*/Subtype /Type0\s*/BaseFont /(\w+)`)

// embeddedFonts returns the Type 0 fonts a PDF embeds.
func embeddedFonts(pdf []byte) []string {
	var out []string
	for _, m := range baseFont.FindAllSubmatch(pdf, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// A certificate embeds the fonts of its scripts only, each as a subset
// (FontFile2, far smaller than the font), and carries the original text of
// shaped Thai as ActualText.
func TestFontsEmbedded(t *testing.T) {
	old := compress
	compress = false
	defer func() { compress = old }()
	for name, want := range map[string][]string{
		"classic-en": {"utf8notosans", "utf8notosansB"},
		"classic-vi": {"utf8notosans", "utf8notosansB"},
		"modern-th":  {"utf8notosans", "utf8notosansB", "utf8notosansthai", "utf8notosansthaiB"},
		"minimal-ko": {"utf8notosans", "utf8notosansB", "utf8notosanskr", "utf8notosanskrB"},
	} {
		pdf, err := Render(samples(t)[name])
		if err != nil {
			t.Fatal(err)
		}
		got := embeddedFonts(pdf)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s embeds %v, want %v", name, got, want)
		}
		if n := bytes.Count(pdf, []byte("/FontFile2 ")); n != len(want) {
			t.Errorf("%s: %d embedded font files, want %d", name, n, len(want))
		}
		for _, m := range regexp.MustCompile(`/Length1 (\d+)`).FindAllSubmatch(pdf, -1) {
			if n, _ := strconv.Atoi(string(m[1])); n > 40000 {
				t.Errorf("%s: an embedded font of %d bytes: not subset", name, n)
			}
		}
		if strings.HasSuffix(name, "-th") && !bytes.Contains(pdf, []byte("/ActualText <FEFF")) {
			t.Errorf("%s: shaped Thai without ActualText", name)
		}
	}
}

// Rendering the same certificate twice gives the same bytes.
func TestRenderDeterministic(t *testing.T) {
	c := samples(t)["modern-th"]
	a, err := Render(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Render(c)
	if !bytes.Equal(a, b) {
		t.Error("two renderings differ")
	}
}

func TestRenderErrors(t *testing.T) {
	if _, err := Render(&Certificate{AchievementName: "x"}); err == nil {
		t.Error("no error without a URL")
	}
	if _, err := Render(&Certificate{URL: "https://x.example/" + strings.Repeat("a", MaxURLLength)}); err == nil {
		t.Error("no error for a URL too long for a QR code")
	}
	// An image it cannot use is left out.
	c := samples(t)["classic-en"]
	c.Badge, c.Logo, c.Signature = []byte("not a png"), []byte{0x89, 'P', 'N', 'G'}, nil
	if _, err := Render(c); err != nil {
		t.Errorf("Render with broken images: %v", err)
	}
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPrepare(t *testing.T) {
	small := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	small.Set(1, 1, color.NRGBA{255, 0, 0, 128})
	p, err := prepare(pngOf(t, small))
	if err != nil || p.w != 40 || p.h != 20 {
		t.Fatalf("small RGBA: %+v %v", p, err)
	}
	big := image.NewRGBA64(image.Rect(0, 0, 2000, 1000)) // 16-bit, and too large: converted and scaled
	p, err = prepare(pngOf(t, big))
	if err != nil || p.w != MaxImagePixels || p.h != MaxImagePixels/2 {
		t.Fatalf("big 16-bit: %v %v", p, err)
	}
	if d := p.png[24]; d != 8 {
		t.Errorf("converted PNG has bit depth %d", d)
	}
	gray := image.NewGray(image.Rect(0, 0, 10, 10)) // grey: converted
	if p, err := prepare(pngOf(t, gray)); err != nil || p.png[25] != 2 && p.png[25] != 6 {
		t.Errorf("grey PNG: %v", err)
	}
	if _, err := prepare([]byte("GIF89a")); !errors.Is(err, ErrImage) {
		t.Errorf("GIF: %v", err)
	}
	if _, err := prepare(make([]byte, MaxImageBytes+1)); !errors.Is(err, ErrImage) {
		t.Errorf("too large: %v", err)
	}
}

func TestDesignValidate(t *testing.T) {
	for _, tc := range []struct {
		d     Design
		field string
	}{
		{Design{}, ""},
		{Design{Layout: Modern, Title: "Certificate of Completion", Primary: "#123456", Accent: "#8a5a00", SignatoryName: "Dr Jane Roe"}, ""},
		{Design{Layout: "fancy"}, "layout"},
		{Design{Title: strings.Repeat("x", MaxTitleLength+1)}, "title"},
		{Design{SignatoryName: "a\nb"}, "signatoryName"},
		{Design{SignatoryTitle: strings.Repeat("é", MaxSignatoryLength+1)}, "signatoryTitle"},
		{Design{Primary: "blue"}, "primaryColor"},
		{Design{Primary: "#fff"}, "primaryColor"},
		{Design{Accent: "#ffff00"}, "accentColor"}, // yellow on white cannot be read
	} {
		err := tc.d.Validate()
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.d, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%+v: %v, want an error on %s", tc.d, err, tc.field)
		}
	}
}

// pdftotext reads back every text of the certificate, in every script.
func TestTextExtracted(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	for name, c := range samples(t) {
		for _, size := range []Size{A4, Letter} {
			c.Size = size
			pdf, err := Render(c)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "-", "-")
			cmd.Stdin = bytes.NewReader(pdf)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			flat := strings.Join(strings.Fields(string(out)), "")
			want := []string{c.URL, c.Design.SignatoryName}
			if !strings.HasPrefix(name, "classic-long") { // cut to fit: checked in TestFit
				want = append(want, c.RecipientName, c.AchievementName, c.IssuerName)
			}
			for _, s := range want {
				if !strings.Contains(flat, strings.Join(strings.Fields(s), "")) {
					t.Errorf("%s (%s): the text lacks %q:\n%s", name, size, s, out)
				}
			}
		}
	}
}

var bboxWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">`)

// Every word of every sample is on the page, inside its margins.
func TestTextOnPage(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	for name, c := range samples(t) {
		for _, size := range []Size{A4, Letter} {
			c.Size = size
			pdf, err := Render(c)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "-bbox", "-", "-")
			cmd.Stdin = bytes.NewReader(pdf)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pdftotext -bbox: %v", err)
			}
			w, h, _ := size.dims()
			pw, ph := w*72/25.4, h*72/25.4
			const margin = 8 * 72 / 25.4 // the classic frame
			words := bboxWord.FindAllSubmatch(out, -1)
			if len(words) < 20 {
				t.Fatalf("%s: %d words", name, len(words))
			}
			for _, m := range words {
				var v [4]float64
				for i := range v {
					v[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
				}
				if v[0] < margin || v[2] > pw-margin || v[1] < margin || v[3] > ph-margin {
					t.Errorf("%s (%s): a word at %v is outside the page's margins (%.0f×%.0f pt)", name, size, v, pw, ph)
				}
			}
		}
	}
}

// A certificate's own wording (captions, dates, the default title) is in
// its language, every message of it in the catalog, for each language.
func TestWordingInEveryLanguage(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	layouts := []Layout{Classic, Modern, Minimal}
	for i, info := range i18n.Langs {
		for j, named := range []bool{true, false} {
			c := samples(t)["classic-en"]
			c.Lang, c.Design.Layout = info.Lang, layouts[(i+j)%len(layouts)]
			if !named {
				c.RecipientName = ""
			}
			pdf, err := Render(c)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "-", "-")
			cmd.Stdin = bytes.NewReader(pdf)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			flat := strings.Join(strings.Fields(string(out)), "")
			p := i18n.For(info.Lang)
			want := []string{p.T(DefaultTitle), strings.ToUpper(p.T("Awarded")), strings.ToUpper(p.T("Valid until")), p.Date(c.Awarded),
				p.Date(c.ValidUntil), p.T("Verify this certificate"), p.T("Scan the code or visit"), p.T("Issued by %s", c.IssuerName)}
			if named {
				want = append(want, p.T("This certifies that"), p.T("has earned the %s", strings.ToLower(p.TypeName(c.AchievementType))))
			} else {
				want = append(want, p.T("This certificate is awarded for"))
			}
			if c.Design.Layout != Classic {
				want[0] = strings.ToUpper(want[0])
			}
			for _, s := range want {
				if !strings.Contains(flat, strings.Join(strings.Fields(s), "")) {
					t.Errorf("%s (%s, named %v): the text lacks %q:\n%s", info.Lang, c.Design.Layout, named, s, out)
				}
			}
			if !bytes.Contains(pdf, []byte("/Lang ("+string(info.Lang)+")")) {
				t.Errorf("%s: the PDF is not marked as %s", info.Lang, info.Lang)
			}
		}
	}
	for _, m := range missing {
		t.Errorf("missing message %s", m)
	}
}
