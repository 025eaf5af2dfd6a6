package badgeimg

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// checkClean fails t unless doc is well-formed XML whose elements and
// attributes are all on the allowlists, with no external reference.
func checkClean(t testing.TB, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Entity = map[string]string{}
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("output is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if tok.Name.Space != nsSVG || !allowedElements[tok.Name.Local] {
				t.Fatalf("output has element {%s}%s\n%s", tok.Name.Space, tok.Name.Local, doc)
			}
			if tok.Name.Local == "style" {
				break
			}
			for _, a := range tok.Attr {
				switch {
				case a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns":
					if depth > 1 || a.Value != nsSVG && a.Value != nsXLink {
						t.Fatalf("output declares namespace %s=%q at depth %d", a.Name.Local, a.Value, depth)
					}
				case a.Name.Local == "href":
					if !isLocalRef(a.Value) && !strings.HasPrefix(a.Value, "data:image/png;base64,") && !strings.HasPrefix(a.Value, "data:image/jpeg;base64,") {
						t.Fatalf("output has href %q", a.Value)
					}
				case a.Name.Space == nsXML:
				case a.Name.Space != "":
					t.Fatalf("output has attribute {%s}%s", a.Name.Space, a.Name.Local)
				case a.Name.Local == "style":
					if sanitizeDecls(a.Value) != a.Value {
						t.Fatalf("output has unsanitized style %q", a.Value)
					}
				case !allowedAttributes[a.Name.Local] && !presentationProperties[a.Name.Local]:
					t.Fatalf("output has attribute %s", a.Name.Local)
				case !safeValue(a.Value):
					t.Fatalf("output has attribute %s=%q", a.Name.Local, a.Value)
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				t.Fatalf("output has text outside the root")
			}
		case xml.Comment, xml.ProcInst, xml.Directive:
			t.Fatalf("output has %T", tok)
		}
	}
	low := strings.ToLower(string(doc))
	for _, bad := range []string{"script", "javascript", "onload", "onclick", "foreignobject", "http://evil", "@import", "expression("} {
		if strings.Contains(low, bad) {
			t.Fatalf("output contains %q:\n%s", bad, doc)
		}
	}
}

// nasty are attacks; each must come out clean.
var nasty = map[string]string{
	"script":            `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/></svg>`,
	"cdata script":      `<svg xmlns="http://www.w3.org/2000/svg"><script><![CDATA[alert(1)]]></script></svg>`,
	"uppercase script":  `<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT><Script>alert(2)</Script></svg>`,
	"namespaced script": `<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>`,
	"svg-prefix script": `<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script><s:rect width="1" height="1"/></s:svg>`,
	"onload":            `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect onclick="alert(2)" ONMOUSEOVER="alert(3)" width="1"/></svg>`,
	"javascript href":   `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a href="javascript:alert(1)"><rect width="1"/></a><a xlink:href="javascript:alert(2)"><text>x</text></a></svg>`,
	"xlink external":    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="http://evil/x.svg#a"/><image xlink:href="http://evil/x.png"/><image href="//evil/x.png"/></svg>`,
	"use data svg":      `<svg xmlns="http://www.w3.org/2000/svg"><use href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Pg=="/><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`,
	"foreignObject":     `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="100" height="100"><iframe xmlns="http://www.w3.org/1999/xhtml" src="http://evil/"></iframe><body xmlns="http://www.w3.org/1999/xhtml" onload="alert(1)"/></foreignObject></svg>`,
	"style url":         `<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://evil/x);stroke:red" fill="url(http://evil/#a)" width="1"/></svg>`,
	"style element":     `<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://evil/x.css); rect{fill:url(http://evil/y)} circle{background:url(javascript:alert(1))}</style><rect width="1"/></svg>`,
	"style escapes":     `<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:u\72l(http://evil/x)} a{fill:red}</style><rect style="fill:\75rl(http://evil)" width="1"/></svg>`,
	"css expression":    `<svg xmlns="http://www.w3.org/2000/svg"><rect style="width:expression(alert(1))" fill="expression(alert(1))"/></svg>`,
	"animate href":      `<svg xmlns="http://www.w3.org/2000/svg"><a><animate attributeName="href" to="javascript:alert(1)"/><set attributeName="onload" to="alert(1)"/><text>x</text></a></svg>`,
	"feImage":           `<svg xmlns="http://www.w3.org/2000/svg"><filter id="f"><feImage href="http://evil/x.png"/></filter></svg>`,
	"xml-stylesheet":    `<?xml-stylesheet href="http://evil/x.css"?><svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>`,
	"iframe in svg ns":  `<svg xmlns="http://www.w3.org/2000/svg"><iframe src="http://evil/"/><handler>alert(1)</handler><listener event="load"/></svg>`,
	"xml:base":          `<svg xmlns="http://www.w3.org/2000/svg" xml:base="http://evil/"><use href="#a"/><g id="a"/></svg>`,
	"unknown prefix":    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:e="http://evil/"><e:script>alert(1)</e:script><rect e:onload="alert(1)" width="1"/></svg>`,
	"filter url":        `<svg xmlns="http://www.w3.org/2000/svg"><g filter="url(http://evil/f.svg#f)" clip-path="url( 'http://evil/#c' )" mask="url(#m)"/></svg>`,
	"duplicate attr":    `<svg xmlns="http://www.w3.org/2000/svg"><rect fill="red" fill="url(http://evil/)"/></svg>`,
	"style in style":    `<svg xmlns="http://www.w3.org/2000/svg"><style><script>alert(1)</script>rect{fill:red}</style></svg>`,
	"text content":      `<svg xmlns="http://www.w3.org/2000/svg"><text>&lt;script&gt;alert(1)&lt;/script&gt;</text></svg>`,
}

func TestSanitizeNasty(t *testing.T) {
	for name, in := range nasty {
		t.Run(name, func(t *testing.T) {
			out, err := SanitizeSVG([]byte(in))
			if err != nil {
				t.Fatalf("SanitizeSVG: %v", err)
			}
			// "text content" escapes the word script: that is text, shown as
			// such, so check it apart.
			if name == "text content" {
				if !strings.Contains(string(out), "&lt;script&gt;") {
					t.Fatalf("text lost: %s", out)
				}
				return
			}
			checkClean(t, out)
			again, err := SanitizeSVG(out)
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("not idempotent: %v\n%s\n%s", err, out, again)
			}
		})
	}
}

// TestSanitizeRefused checks the documents refused outright.
func TestSanitizeRefused(t *testing.T) {
	deep := strings.Repeat("<g>", MaxSVGDepth+1) + strings.Repeat("</g>", MaxSVGDepth+1)
	tests := []struct {
		name, in string
		want     error
	}{
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>`, ErrUnsupported},
		{"external entity", `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>`, ErrUnsupported},
		{"undeclared entity", `<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>`, ErrInvalidImage},
		{"not svg root", `<html><svg xmlns="http://www.w3.org/2000/svg"/></html>`, ErrInvalidImage},
		{"foreign svg root", `<svg xmlns="http://www.w3.org/1999/xhtml"/>`, ErrInvalidImage},
		{"unclosed", `<svg xmlns="http://www.w3.org/2000/svg"><g>`, ErrInvalidImage},
		{"empty", ``, ErrInvalidImage},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><svg xmlns="http://www.w3.org/2000/svg"/>`, ErrUnsupported},
		{"too deep", `<svg xmlns="http://www.w3.org/2000/svg">` + deep + `</svg>`, ErrTooLarge},
		{"too many", `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat("<g/>", MaxSVGElements) + `</svg>`, ErrTooLarge},
		{"too big", `<svg xmlns="http://www.w3.org/2000/svg"><desc>` + strings.Repeat("x", MaxSVGSize) + `</desc></svg>`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := SanitizeSVG([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("SanitizeSVG = %.100q, %v; want error %v", out, err, tt.want)
			}
		})
	}
}

// TestSanitizeKeeps checks what benign documents keep.
func TestSanitizeKeeps(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"shapes", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect x="1" y="1" width="8" height="8" rx="2" fill="#123456" stroke="red" stroke-width="0.5"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect x="1" y="1" width="8" height="8" rx="2" fill="#123456" stroke="red" stroke-width="0.5"/></svg>`},
		{"no namespace", `<svg viewBox="0 0 1 1"><circle r="1"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><circle r="1"/></svg>`},
		{"prefixed svg", `<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:path d="M0 0L1 1"/></s:svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L1 1"/></svg>`},
		{"local use and gradient", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient><symbol id="s"><circle r="1"/></symbol></defs><use xlink:href="#s" fill="url(#g)"/><use href="#s" fill="url('#g')"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient><symbol id="s"><circle r="1"/></symbol></defs><use xlink:href="#s" fill="url(#g)"/><use href="#s" fill="url('#g')"/></svg>`},
		{"link unwrapped", `<svg xmlns="http://www.w3.org/2000/svg"><a href="https://example.com/"><rect width="1"/></a></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>`},
		{"style attribute filtered", `<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: #f00 ; behavior:url(x.htc); stroke:blue;font-family:'Go Sans'"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:#f00;stroke:blue;font-family:'Go Sans'"/></svg>`},
		{"style sheet filtered", "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>/* Illustrator */\n.st0{fill:#FFFFFF;}\n@font-face{font-family:x;src:url(http://evil/f.woff)}\n.st1 , #a > rect{fill:none;stroke:#000;background:red}</style></svg>",
			"<svg xmlns=\"http://www.w3.org/2000/svg\"><style>.st0{fill:#FFFFFF}\n.st1 , #a &gt; rect{fill:none;stroke:#000}</style></svg>"},
		{"data png image", `<svg xmlns="http://www.w3.org/2000/svg"><image width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><image width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/></svg>`},
		{"use bomb", `<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><circle r="1"/></g><g id="b"><use href="#a"/><use href="#a"/></g><g id="c"><use href="#b"/><use href="#b"/></g><use href="#c"/><use href="#nowhere"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><circle r="1"/></g><g id="b"><use href="#a"/><use href="#a"/></g><g id="c"/></svg>`},
		{"self use", `<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#a"/></g></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><g id="a"/></svg>`},
		{"escaping", "<svg xmlns=\"http://www.w3.org/2000/svg\"><text aria-label=\"a&quot;b&lt;c\tn\">x &amp; y &gt; z\r</text></svg>",
			"<svg xmlns=\"http://www.w3.org/2000/svg\"><text aria-label=\"a&quot;b&lt;c&#x9;n\">x &amp; y &gt; z\n</text></svg>"},
		{"baked credential dropped", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="x.y.z"/><rect width="1"/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>`},
		{"doctype and comments", `<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><!-- hi --><svg xmlns="http://www.w3.org/2000/svg"><!-- there --><g/></svg>`,
			`<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := SanitizeSVG([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", out, tt.want)
			}
			checkClean(t, out)
		})
	}
}

// TestSanitizeFixtures sanitizes the 1EdTech baked SVG badges: the drawing
// stays, the baked credential goes.
func TestSanitizeFixtures(t *testing.T) {
	for _, name := range []string{"simple-json.svg", "simple-jwt.svg"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			out, err := SanitizeSVG(in)
			if err != nil {
				t.Fatal(err)
			}
			checkClean(t, out)
			if bytes.Contains(out, []byte("credential")) {
				t.Error("baked credential kept")
			}
			if got, want := bytes.Count(out, []byte("<path ")), bytes.Count(in, []byte("<path ")); got != want || want == 0 {
				t.Errorf("%d paths kept of %d", got, want)
			}
			if !bytes.Contains(out, []byte(`viewBox="0 0 1000 1000"`)) {
				t.Error("viewBox lost")
			}
		})
	}
}

// TestDesignSurvivesSanitizer checks that the generated designs use only
// what the sanitizer allows: sanitizing changes nothing but white space.
func TestDesignSurvivesSanitizer(t *testing.T) {
	for _, d := range sampleDesigns {
		svg := d.SVG()
		out, err := SanitizeSVG(svg)
		if err != nil {
			t.Fatal(err)
		}
		checkClean(t, out)
		if !bytes.Equal(out, bytes.TrimSpace(svg)) {
			t.Errorf("%s: sanitizer changed the design:\n%s\n%s", d.Title, svg, out)
		}
	}
}

func FuzzSanitizeSVG(f *testing.F) {
	for _, s := range nasty {
		f.Add([]byte(s))
	}
	for _, name := range []string{"simple-json.svg", "simple-jwt.svg"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(Design{Title: "Fuzz", Subtitle: "me", Icon: Star}.SVG())
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := SanitizeSVG(in)
		if err != nil {
			return
		}
		checkCleanFuzz(t, out)
		again, err := SanitizeSVG(out)
		if err != nil {
			t.Fatalf("output refused: %v\n%q", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
	})
}

// checkCleanFuzz is checkClean without the word list: fuzzed text content
// may spell anything.
func checkCleanFuzz(t *testing.T, out []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(out))
	d.Entity = map[string]string{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("output is not well-formed XML: %v\n%q", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Space != nsSVG || !allowedElements[se.Name.Local] {
				t.Fatalf("output has element {%s}%s", se.Name.Space, se.Name.Local)
			}
			for _, a := range se.Attr {
				switch {
				case a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" || a.Name.Space == nsXML:
				case a.Name.Local == "href":
					if _, ok := checkHref(se.Name.Local, a.Value); !ok {
						t.Fatalf("output has href %q", a.Value)
					}
				case a.Name.Space != "":
					t.Fatalf("output has attribute {%s}%s", a.Name.Space, a.Name.Local)
				case strings.HasPrefix(strings.ToLower(a.Name.Local), "on"):
					t.Fatalf("output has handler %s", a.Name.Local)
				case a.Name.Local != "style" && !safeValue(a.Value):
					t.Fatalf("output has %s=%q", a.Name.Local, a.Value)
				}
			}
		}
	}
}
