package share

import (
	"bytes"
	"encoding/xml"
	"errors"
	"html/template"
	"image"
	"image/png"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func TestLinkedInAddToProfileURL(t *testing.T) {
	tests := []struct {
		name string
		c    Cert
		want string
	}{
		{"full", Cert{
			Name: "Teamwork & Leadership: Level 2", OrganizationName: "Example Corp",
			IssueYear: 2026, IssueMonth: 3, ExpirationYear: 2028, ExpirationMonth: 2,
			CertURL: "https://badges.example.edu/credentials/3f2a?x=1&y=2", CertID: "urn:uuid:3f2a",
		}, "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Teamwork%20%26%20Leadership%3A%20Level%202&organizationName=Example%20Corp&issueYear=2026&issueMonth=3&expirationYear=2028&expirationMonth=2&certUrl=https%3A%2F%2Fbadges.example.edu%2Fcredentials%2F3f2a%3Fx%3D1%26y%3D2&certId=urn%3Auuid%3A3f2a"},
		{"organization id wins", Cert{Name: "Go", OrganizationName: "Example Corp", OrganizationID: "1337", IssueYear: 2025, IssueMonth: 12},
			"https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Go&organizationId=1337&issueYear=2025&issueMonth=12"},
		{"no expiry, bad month", Cert{Name: "Go", IssueYear: 2025, IssueMonth: 13},
			"https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Go&issueYear=2025"},
		{"month without year", Cert{Name: "Go", IssueMonth: 4, ExpirationMonth: 5},
			"https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Go"},
		{"unicode and plus", Cert{Name: "Économie + Société 🎓"},
			"https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=%C3%89conomie%20%2B%20Soci%C3%A9t%C3%A9%20%F0%9F%8E%93"},
		{"empty", Cert{}, "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LinkedInAddToProfileURL(tt.c)
			if got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("name") != strings.TrimSpace(tt.c.Name) {
				t.Errorf("name round trip: %q", q.Get("name"))
			}
			if tt.c.CertURL != "" && q.Get("certUrl") != tt.c.CertURL {
				t.Errorf("certUrl round trip: %q", q.Get("certUrl"))
			}
		})
	}
}

// decodeQR reads a QR code back with gozxing, an independent decoder.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decoding the QR code: %v", err)
	}
	return res.GetText()
}

var qrURLs = []string{
	"https://badges.example.edu/credentials/0b9c2f7e-51b4-4f0a-9a43-3c5d2f0e7a11",
	"HTTPS://EXAMPLE.COM/C/1",
	"https://example.com/credentials/é?q=a b&x=🎓",
}

func TestQRCodePNG(t *testing.T) {
	for _, u := range qrURLs {
		t.Run(u, func(t *testing.T) {
			b, err := QRCodePNG(u, 300)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds(); got.Dx() != 300 || got.Dy() != 300 {
				t.Fatalf("bounds %v", got)
			}
			if got := decodeQR(t, img); got != u {
				t.Fatalf("decoded %q, want %q", got, u)
			}
			// The quiet zone: no dark pixel within 4 modules of the edge.
			m, _ := encode(u)
			scale := 300 / (m.n + 2*QuietZone)
			margin := QuietZone * scale
			for y := 0; y < 300; y++ {
				for x := 0; x < 300; x++ {
					if x >= margin && x < 300-margin && y >= margin && y < 300-margin {
						continue
					}
					if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
						t.Fatalf("dark pixel at (%d,%d) in the quiet zone", x, y)
					}
				}
			}
			again, _ := QRCodePNG(u, 300)
			if !bytes.Equal(b, again) {
				t.Error("not deterministic")
			}
		})
	}
}

// rasterizeQRSVG draws QRCodeSVG's output (a white square and a path of
// "Mx yhNv1h-Nz" rectangles) at scale pixels per unit.
func rasterizeQRSVG(t *testing.T, doc []byte, scale int) image.Image {
	t.Helper()
	var root struct {
		ViewBox string `xml:"viewBox,attr"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("QR SVG is not XML: %v", err)
	}
	vb := strings.Fields(root.ViewBox)
	if len(vb) != 4 || vb[0] != "0" || vb[1] != "0" || vb[2] != vb[3] {
		t.Fatalf("viewBox %q", root.ViewBox)
	}
	n, _ := strconv.Atoi(vb[2])
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	re := regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	d := root.Path.D
	for d != "" {
		m := re.FindStringSubmatch(d)
		if m == nil || m[3] != m[4] {
			t.Fatalf("unexpected path data at %.40q", d)
		}
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		if x < QuietZone || y < QuietZone || x+w > n-QuietZone || y >= n-QuietZone {
			t.Fatalf("module run %s in the quiet zone", m[0])
		}
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+w)*scale; px++ {
				img.Pix[py*img.Stride+px] = 0
			}
		}
		d = d[len(m[0]):]
	}
	return img
}

func TestQRCodeSVG(t *testing.T) {
	for _, u := range qrURLs {
		t.Run(u, func(t *testing.T) {
			doc, err := QRCodeSVG(u)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeQR(t, rasterizeQRSVG(t, doc, 6)); got != u {
				t.Fatalf("decoded %q, want %q", got, u)
			}
			if bytes.Count(doc, []byte("<path")) != 1 {
				t.Error("want one path")
			}
			again, _ := QRCodeSVG(u)
			if !bytes.Equal(doc, again) {
				t.Error("not deterministic")
			}
		})
	}
}

func TestQRCodeErrors(t *testing.T) {
	if _, err := QRCodeSVG(""); !errors.Is(err, ErrQRContent) {
		t.Errorf("empty: %v", err)
	}
	if _, err := QRCodePNG(strings.Repeat("x", MaxQRContent+1), 500); !errors.Is(err, ErrQRContent) {
		t.Errorf("too long: %v", err)
	}
	if _, err := QRCodePNG("https://example.com/", 20); err == nil {
		t.Error("20 pixels: no error")
	}
	if _, err := QRCodePNG("https://example.com/", 5000); err == nil {
		t.Error("5000 pixels: no error")
	}
}

func TestMetaTags(t *testing.T) {
	long := strings.Repeat("word ", 100)
	m := Meta{
		Title:       "Teamwork\n  Badge",
		Description: long,
		URL:         "https://badges.example.edu/credentials/1",
		ImageURL:    "https://badges.example.edu/credentials/1.png",
		ImageAlt:    "A navy hexagon badge",
		SiteName:    "Example University",
	}
	tags := m.Tags()
	got := map[string]string{}
	var order []string
	for _, tg := range tags {
		if (tg.Property == "") == (tg.Name == "") {
			t.Fatalf("tag %+v: want exactly one of Property and Name", tg)
		}
		k := tg.Property + tg.Name
		got[k] = tg.Content
		order = append(order, k)
	}
	wantOrder := "og:type og:site_name og:title og:description og:url og:image og:image:alt twitter:card twitter:title twitter:description twitter:image twitter:image:alt"
	if strings.Join(order, " ") != wantOrder {
		t.Errorf("order %v", order)
	}
	if got["og:title"] != "Teamwork Badge" || got["og:type"] != "website" || got["twitter:card"] != "summary" {
		t.Errorf("tags %v", got)
	}
	d := got["og:description"]
	if utf8.RuneCountInString(d) > MaxDescription || !strings.HasSuffix(d, "word…") {
		t.Errorf("description %d characters: %q", utf8.RuneCountInString(d), d)
	}

	// Relative or script URLs are left out, and the alt text with the image.
	tags = Meta{Title: "x", URL: "/credentials/1", ImageURL: "javascript:alert(1)", ImageAlt: "alt"}.Tags()
	for _, tg := range tags {
		switch k := tg.Property + tg.Name; k {
		case "og:type", "og:title", "twitter:card", "twitter:title":
		default:
			t.Errorf("unexpected tag %s=%q", k, tg.Content)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"Introduction to Data Science", 20, "Introduction to…"},
		{"Supercalifragilistic", 10, "Supercali…"},
		{"héllo wörld ünïcode", 12, "héllo wörld…"},
		{"a\x00b\tc", 10, "a b c"},
	}
	for _, tt := range tests {
		if got := shorten(tt.in, tt.n); got != tt.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// TestMetaTemplate renders the tags the way the page template does:
// html/template escapes the contents.
func TestMetaTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(`{{range .}}<meta{{if .Property}} property="{{.Property}}"{{else}} name="{{.Name}}"{{end}} content="{{.Content}}">{{end}}`))
	var b bytes.Buffer
	if err := tmpl.Execute(&b, Meta{Title: `"><script>alert(1)</script>`}.Tags()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") {
		t.Fatalf("unescaped: %s", b.String())
	}
	if !strings.Contains(b.String(), `<meta property="og:title" content="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">`) {
		t.Fatalf("got %s", b.String())
	}
}
