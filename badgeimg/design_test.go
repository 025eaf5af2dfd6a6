package badgeimg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"github.com/cairn-badges/cairn/internal/fonts"
)

func TestDesignValidate(t *testing.T) {
	if err := (Design{}).Validate(); err != nil {
		t.Fatalf("zero design: %v", err)
	}
	if err := sampleDesigns[1].Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
	tests := []struct {
		d     Design
		field string
	}{
		{Design{Shape: "triangle"}, "shape"},
		{Design{Primary: "red"}, "primary"},
		{Design{Primary: "#12345"}, "primary"},
		{Design{Secondary: "#12345g"}, "secondary"},
		{Design{Title: strings.Repeat("x", MaxTitleLength+1)}, "title"},
		{Design{Title: "a\x00b"}, "title"},
		{Design{Subtitle: "\xff"}, "subtitle"},
		{Design{Icon: "skull"}, "icon"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		var de *DesignError
		if !errors.As(err, &de) || de.Field != tt.field || !errors.Is(err, ErrInvalidDesign) {
			t.Errorf("%+v: err = %v, want field %s", tt.d, err, tt.field)
		}
	}
}

// TestDesignLayout checks that every line of text lies inside the shape's
// content area, for every shape and sample.
func TestDesignLayout(t *testing.T) {
	var designs []Design
	designs = append(designs, sampleDesigns...)
	for _, s := range Shapes {
		for _, title := range []string{"A", "Data Science", "An Extraordinarily Long Achievement Title That Needs Three Lines Or More To Fit", "Pneumonoultramicroscopicsilicovolcanoconiosis"} {
			designs = append(designs, Design{Shape: s, Title: title, Subtitle: "Example University of Applied Sciences", Icon: Star})
		}
	}
	for _, d := range designs {
		sc := d.layout()
		fc := sc.face
		n := d.normalized()
		k := 0.86
		var content [][]point
		if n.Shape == Rosette {
			var p path
			circlePath(&p, 244*k*0.86)
			content = p.flatten()
		} else {
			content = shapePath(n.Shape, k).flatten()
		}
		var text strings.Builder
		for _, l := range sc.text {
			top := l.y - fc.capHeight*l.size
			for _, y := range []float64{top, l.y} {
				if hw := halfWidth(content, center, y); l.width/2 > hw {
					t.Errorf("%s %q: line %q (width %.0f) overflows at y=%.0f (half width %.0f)", n.Shape, n.Title, l.s, l.width, y, hw)
				}
			}
			if l.class == "title" {
				text.WriteString(l.s + " ")
			}
		}
		if n.Title != "" && !strings.Contains(text.String(), "…") && strings.Join(strings.Fields(text.String()), " ") != n.Title {
			// Words broken across lines are fine; nothing may be lost.
			if strings.ReplaceAll(text.String(), " ", "") != strings.ReplaceAll(n.Title, " ", "") {
				t.Errorf("%s: title %q laid out as %q", n.Shape, n.Title, text.String())
			}
		}
	}
}

func TestDesignSVG(t *testing.T) {
	d := Design{Shape: Shield, Title: `A & B <script>"x"</script>`, Subtitle: "Café", Icon: Heart}
	svg := d.SVG()
	if !bytes.Equal(svg, d.SVG()) {
		t.Fatal("SVG is not deterministic")
	}
	if bytes.Contains(svg, []byte("<script")) {
		t.Fatalf("title not escaped:\n%s", svg)
	}
	var doc struct {
		XMLName xml.Name
		Title   string   `xml:"title"`
		Text    []string `xml:"text"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.XMLName.Space != nsSVG || doc.XMLName.Local != "svg" || doc.Title != `A & B <script>"x"</script> — Café` {
		t.Errorf("root %v, title %q", doc.XMLName, doc.Title)
	}
	if got := strings.Join(doc.Text, " "); !strings.Contains(got, "A & B") || !strings.Contains(got, "CAFÉ") {
		t.Errorf("text %q", got)
	}
	// Different colours, different gradient ids, so that two badges can
	// share an HTML page.
	other := Design{Shape: Shield, Primary: "#123456", Title: d.Title}.SVG()
	if id := svg[bytes.Index(svg, []byte(`id="`)):][:30]; bytes.Contains(other, id) {
		t.Errorf("gradient id %s shared", id)
	}
}

func TestDesignPNG(t *testing.T) {
	for _, d := range sampleDesigns[:5] {
		b, err := d.PNG(256)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != image.Rect(0, 0, 256, 256) {
			t.Fatalf("bounds %v", img.Bounds())
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: corner not transparent", d.Shape)
		}
		// The rim, just inside the top of the outline, has the secondary
		// colour.
		n := d.normalized()
		want, _ := parseColor(n.Secondary)
		y := map[Shape]int{Circle: 22, Hexagon: 32, Shield: 40, Rosette: 48, Square: 45}[n.Shape] / 2
		if got := color.NRGBAModel.Convert(img.At(128, y)).(color.NRGBA); !near(got, want) {
			t.Errorf("%s: rim %v, want %v", n.Shape, got, want)
		}
		again, _ := d.PNG(256)
		if !bytes.Equal(b, again) {
			t.Errorf("%s: PNG not deterministic", d.Shape)
		}
	}
	for _, size := range []int{MinDesignSize - 1, MaxDesignSize + 1} {
		if _, err := (Design{}).PNG(size); err == nil {
			t.Errorf("size %d: no error", size)
		}
	}
}

func near(a, b color.NRGBA) bool {
	d := func(x, y uint8) bool { return x-y < 8 || y-x < 8 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && a.A > 250
}

func BenchmarkSanitizeSVG(b *testing.B) {
	in, err := os.ReadFile("testdata/simple-json.svg")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := SanitizeSVG(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDesignSVG(b *testing.B) {
	d := sampleDesigns[1]
	for b.Loop() {
		d.SVG()
	}
}

func BenchmarkDesignPNG(b *testing.B) {
	d := sampleDesigns[1]
	for b.Loop() {
		if _, err := d.PNG(512); err != nil {
			b.Fatal(err)
		}
	}
}

// Titles in Thai, Korean and Vietnamese are set in the Noto fonts, with a
// glyph for every character (no empty boxes), and Latin-only ones in Go
// Bold as before.
func TestDesignScripts(t *testing.T) {
	for _, d := range sampleDesigns {
		fc := d.layout().face
		latin := faceFor(d.Title, strings.ToUpper(d.Subtitle)) == goBold()
		if latin != (fc == goBold()) {
			t.Errorf("%q: the wrong face", d.Title)
		}
		if fc.scripts == nil {
			continue
		}
		var b sfnt.Buffer
		for _, s := range []string{d.Title, strings.ToUpper(d.Subtitle)} {
			for _, r := range fonts.Runs(norm.NFC.String(s)) {
				for _, c := range r.Shaped {
					if g, err := fc.scripts[r.Script].f.GlyphIndex(&b, c); c != ' ' && (err != nil || g == 0) {
						t.Errorf("%q: no glyph for %U in %s", s, c, r.Script.Family())
					}
				}
			}
		}
	}
	for _, s := range []string{"Teamwork", "Électricité & <Énergie>"} {
		if faceFor(s) != goBold() {
			t.Errorf("%q is not set in Go Bold", s)
		}
	}
	for _, s := range []string{"สมชาย", "김민준", "Nguyễn"} {
		if faceFor(s) != notoBold() {
			t.Errorf("%q is not set in the Noto fonts", s)
		}
	}
}
