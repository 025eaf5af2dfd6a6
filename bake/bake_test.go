package bake

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"strings"
	"testing"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkPayload asserts that p is what kind says: a JSON object, or a
// compact JWS whose header and payload are base64url JSON objects.
func checkPayload(t *testing.T, kind Kind, p []byte) map[string]any {
	t.Helper()
	var obj map[string]any
	switch kind {
	case JSON:
		if err := json.Unmarshal(p, &obj); err != nil {
			t.Fatalf("JSON payload: %v", err)
		}
	case JWT:
		parts := strings.Split(string(p), ".")
		if len(parts) != 3 {
			t.Fatalf("JWT has %d parts", len(parts))
		}
		for i, part := range parts[:2] {
			raw, err := base64.RawURLEncoding.DecodeString(part)
			if err != nil {
				t.Fatalf("JWT part %d: %v", i, err)
			}
			obj = nil
			if err := json.Unmarshal(raw, &obj); err != nil {
				t.Fatalf("JWT part %d: %v", i, err)
			}
		}
	default:
		t.Fatalf("kind %q", kind)
	}
	return obj
}

func TestUnbakeFixtures(t *testing.T) {
	for _, tc := range []struct {
		file    string
		format  Format
		version Version
		kind    Kind
		id      string
	}{
		{"simple-json.png", PNG, OB3, JSON, "http://example.com/credentials/3527"},
		{"simple-jwt.png", PNG, OB3, JWT, "http://example.com/credentials/3527"},
		{"simple-jwt_v1.png", PNG, OB3, JWT, ""},
		{"simple-json.svg", SVG, OB3, JSON, "http://example.com/credentials/3527"},
		{"simple-jwt.svg", SVG, OB3, JWT, "http://example.com/credentials/3527"},
		{"simple-jwt_v1.svg", SVG, OB3, JWT, ""},
		{"ob20-simple-badge.png", PNG, OB2, JSON, ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := Unbake(read(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if b.Format != tc.format || b.Version != tc.version || b.Kind != tc.kind {
				t.Fatalf("got %s %s %s, want %s %s %s", b.Format, b.Version, b.Kind, tc.format, tc.version, tc.kind)
			}
			obj := checkPayload(t, b.Kind, b.Payload)
			if tc.id != "" && obj["id"] != tc.id {
				t.Errorf("id = %v, want %s", obj["id"], tc.id)
			}
			if tc.version == OB2 && obj["type"] != "Assertion" {
				t.Errorf("OB 2.0 type = %v", obj["type"])
			}
		})
	}
}

func TestUnbakeNotBaked(t *testing.T) {
	for _, img := range [][]byte{
		read(t, "ob20-robotics-badge-unbaked.png"),
		[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>`),
		// Right local name, wrong namespace.
		[]byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="urn:other"><x:credential verify="a.b.c"/></svg>`),
	} {
		if _, err := Unbake(img); !errors.Is(err, ErrNotBaked) {
			t.Errorf("err = %v, want ErrNotBaked", err)
		}
	}
}

var (
	jsonPayload = []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:1","name":"tricky ]]> and </svg> & <x>"}`)
	jwtPayload  = []byte(`eyJhbGciOiJFUzI1NiJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2lnbmF0dXJl`)
)

func TestPNGRoundTrip(t *testing.T) {
	for _, file := range []string{"ob20-robotics-badge-unbaked.png", "simple-json.png", "ob20-simple-badge.png"} {
		orig := read(t, file)
		for _, payload := range [][]byte{jsonPayload, jwtPayload} {
			baked, err := BakePNG(orig, payload)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Unbake(baked)
			if err != nil {
				t.Fatal(err)
			}
			if b.Version != OB3 || !bytes.Equal(b.Payload, payload) {
				t.Errorf("%s: unbaked %s %q", file, b.Version, b.Payload)
			}
			if _, err := png.Decode(bytes.NewReader(baked)); err != nil {
				t.Errorf("%s: image/png cannot decode the baked image: %v", file, err)
			}
			chunks, _, err := parsePNG(baked)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range chunks {
				if kw, _ := textKeyword(c); kw == keywordOB3 || kw == keywordOB2 {
					n++
				}
			}
			if chunks[1].typ != "iTXt" || n != 1 {
				t.Errorf("%s: chunk 1 is %s, %d baked chunks", file, chunks[1].typ, n)
			}
			if !bytes.Equal(chunks[1].data[:len(keywordOB3)+5], []byte(keywordOB3+"\x00\x00\x00\x00\x00")) {
				t.Errorf("%s: iTXt header %q", file, chunks[1].data[:25])
			}
			// Baking again replaces, and depends only on the last payload.
			twice, err := BakePNG(baked, jwtPayload)
			if err != nil {
				t.Fatal(err)
			}
			once, _ := BakePNG(orig, jwtPayload)
			if !bytes.Equal(twice, once) {
				t.Errorf("%s: baking twice differs from baking once", file)
			}
		}
	}
}

func TestPNGKeepsOtherChunks(t *testing.T) {
	orig := read(t, "simple-json.png")
	baked, err := BakePNG(orig, jwtPayload)
	if err != nil {
		t.Fatal(err)
	}
	before, _, _ := parsePNG(orig)
	after, _, _ := parsePNG(baked)
	var want, got [][]byte
	for _, c := range before {
		if kw, _ := textKeyword(c); kw != keywordOB3 {
			want = append(want, orig[c.offset:c.end()])
		}
	}
	for _, c := range after[:1] {
		got = append(got, baked[c.offset:c.end()])
	}
	for _, c := range after[2:] {
		got = append(got, baked[c.offset:c.end()])
	}
	if !bytes.Equal(bytes.Join(want, nil), bytes.Join(got, nil)) {
		t.Error("chunks other than the baked one changed")
	}
}

func TestPNGCompressedAndOldChunks(t *testing.T) {
	orig := read(t, "ob20-robotics-badge-unbaked.png")
	withChunk := func(typ string, data []byte) []byte {
		chunks, _, _ := parsePNG(orig)
		out := append([]byte{}, orig[:chunks[0].end()]...)
		out = appendChunk(out, typ, data)
		return append(out, orig[chunks[0].end():]...)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(jsonPayload)
	zw.Close()
	cases := []struct {
		name    string
		img     []byte
		version Version
		kind    Kind
		want    []byte
	}{
		{"iTXt compressed", withChunk("iTXt", append([]byte(keywordOB3+"\x00\x01\x00en\x00\x00"), z.Bytes()...)), OB3, JSON, jsonPayload},
		{"tEXt URL", withChunk("tEXt", []byte("openbadges\x00https://example.org/assertions/1")), OB2, URL, []byte("https://example.org/assertions/1")},
		{"zTXt JSON", withChunk("zTXt", append([]byte("openbadges\x00\x00"), z.Bytes()...)), OB2, JSON, jsonPayload},
	}
	for _, tc := range cases {
		b, err := Unbake(tc.img)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if b.Version != tc.version || b.Kind != tc.kind || !bytes.Equal(b.Payload, tc.want) {
			t.Errorf("%s: got %s %s %q", tc.name, b.Version, b.Kind, b.Payload)
		}
	}
	// A zlib bomb in iTXt is refused.
	z.Reset()
	zw = zlib.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte(" "), MaxPayloadSize+1))
	zw.Close()
	bomb := withChunk("iTXt", append([]byte(keywordOB3+"\x00\x01\x00\x00\x00"), z.Bytes()...))
	if _, err := Unbake(bomb); !errors.Is(err, ErrTooLarge) {
		t.Errorf("zlib bomb: err = %v, want ErrTooLarge", err)
	}
	// Two OB 3.0 chunks are ambiguous.
	two, _ := BakePNG(orig, jsonPayload)
	chunks, _, _ := parsePNG(two)
	two = append(append(append([]byte{}, two[:chunks[1].end()]...), two[chunks[1].offset:chunks[1].end()]...), two[chunks[1].end():]...)
	if _, err := Unbake(two); !errors.Is(err, ErrInvalidImage) || !strings.Contains(err.Error(), "second") {
		t.Errorf("two credentials: err = %v", err)
	}
}

func TestPNGErrors(t *testing.T) {
	orig := read(t, "simple-jwt.png")
	// Every truncation fails cleanly.
	for n := 0; n < len(orig); n += 1 + n/16 {
		_, err := Unbake(orig[:n])
		if err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
		if n >= 8 && !errors.Is(err, ErrInvalidImage) {
			t.Fatalf("truncated to %d bytes: err = %v", n, err)
		}
	}
	_, err := Unbake(orig[:1000])
	var ie *ImageError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), `chunk 6 "IDAT"`) {
		t.Errorf("truncated: err = %v", err)
	}
	// A flipped bit gives a CRC error naming the chunk.
	bad := bytes.Clone(orig)
	bad[len(bad)-100] ^= 1
	_, err = Unbake(bad)
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "CRC") || !strings.Contains(err.Error(), `"iTXt"`) {
		t.Errorf("bad CRC: err = %v", err)
	}
	if _, err := BakePNG(bad, jwtPayload); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("BakePNG(bad CRC): err = %v", err)
	}
	big := append(bytes.Clone(pngSignature), make([]byte, MaxImageSize)...)
	if _, err := Unbake(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized: err = %v", err)
	}
	if _, err := BakePNG(big, jwtPayload); !errors.Is(err, ErrTooLarge) {
		t.Errorf("BakePNG oversized: err = %v", err)
	}
	// A chunk length beyond the data.
	huge := bytes.Clone(orig)
	copy(huge[33:], []byte{0x7f, 0xff, 0xff, 0xff})
	if _, err := Unbake(huge); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("huge chunk length: err = %v", err)
	}
	for _, junk := range [][]byte{nil, []byte("GIF89a"), []byte("hello")} {
		if _, err := Unbake(junk); !errors.Is(err, ErrInvalidImage) {
			t.Errorf("Unbake(%q): err = %v", junk, err)
		}
	}
}

func TestBakeRefusesBadPayloads(t *testing.T) {
	img := read(t, "ob20-robotics-badge-unbaked.png")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)
	for _, p := range []string{"", "   ", "hello", `{"a":`, "a.b", "a.b.c.d", "a.b!.c", "https://example.org/a", "{\"a\":\"\xff\"}"} {
		if _, err := BakePNG(img, []byte(p)); !errors.Is(err, ErrInvalidPayload) {
			t.Errorf("BakePNG(%q): err = %v", p, err)
		}
		if _, err := BakeSVG(svg, []byte(p)); !errors.Is(err, ErrInvalidPayload) {
			t.Errorf("BakeSVG(%q): err = %v", p, err)
		}
	}
	if _, err := BakePNG(img, bytes.Repeat([]byte(" "), MaxPayloadSize+10)); err == nil {
		t.Error("oversized payload accepted")
	}
}

const plainSVG = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a badge -->
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
  <rect width="10" height="10" fill="#c00"/>
</svg>
`

func TestSVGBakeExact(t *testing.T) {
	baked, err := BakeSVG([]byte(plainSVG), jwtPayload)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(plainSVG, `height="10">`, `height="10" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">`+
		`<openbadges:credential verify="`+string(jwtPayload)+`"/>`, 1)
	if string(baked) != want {
		t.Errorf("baked:\n%s\nwant:\n%s", baked, want)
	}
	baked, err = BakeSVG([]byte(plainSVG), jsonPayload)
	if err != nil {
		t.Fatal(err)
	}
	want = strings.Replace(plainSVG, `height="10">`, `height="10" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">`+
		`<openbadges:credential><![CDATA[`+strings.ReplaceAll(string(jsonPayload), "]]>", "]]]]><![CDATA[>")+`]]></openbadges:credential>`, 1)
	if string(baked) != want {
		t.Errorf("baked:\n%s\nwant:\n%s", baked, want)
	}
}

func TestSVGRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"plain":        []byte(plainSVG),
		"selfclosing":  []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>`),
		"json fixture": read(t, "simple-json.svg"),
		"jwt fixture":  read(t, "simple-jwt.svg"),
		"prefix":       []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential verify="a.b.c"/><g/></svg>`),
		"ob2":          []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"/></svg>`),
		"ob2 used":     []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"/><g openbadges:x="1"/></svg>`),
	}
	for name, orig := range inputs {
		for _, payload := range [][]byte{jsonPayload, jwtPayload} {
			baked, err := BakeSVG(orig, payload)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b, err := Unbake(baked)
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, baked)
			}
			if b.Format != SVG || b.Version != OB3 || !bytes.Equal(b.Payload, payload) {
				t.Errorf("%s: unbaked %s %s %q", name, b.Version, b.Kind, b.Payload)
			}
			doc, err := scanSVG(baked)
			if err != nil || len(doc.elements) != 1 {
				t.Fatalf("%s: %v, %d elements\n%s", name, err, len(doc.elements), baked)
			}
			once, _ := BakeSVG(orig, jwtPayload)
			twice, _ := BakeSVG(baked, jwtPayload)
			if !bytes.Equal(once, twice) {
				t.Errorf("%s: baking twice differs from baking once:\n%s\n%s", name, once, twice)
			}
		}
	}
	// The prefix already bound to OB 3.0 is reused.
	baked, _ := BakeSVG(inputs["prefix"], jwtPayload)
	if !bytes.Contains(baked, []byte(`<ob:credential verify=`)) || bytes.Count(baked, []byte("v3p0")) != 1 {
		t.Errorf("prefix: %s", baked)
	}
	// An unused OB 2.0 binding is rebound; a used one is left alone.
	baked, _ = BakeSVG(inputs["ob2"], jwtPayload)
	if want := `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="` + string(jwtPayload) + `"/></svg>`; string(baked) != want {
		t.Errorf("ob2 rebind:\n%s\nwant\n%s", baked, want)
	}
	baked, _ = BakeSVG(inputs["ob2 used"], jwtPayload)
	if !bytes.Contains(baked, []byte(`xmlns:openbadges="http://openbadges.org"`)) || !bytes.Contains(baked, []byte(`<openbadges3:credential`)) {
		t.Errorf("ob2 used: %s", baked)
	}
	// Only the credential element changes in the fixture.
	orig := read(t, "simple-json.svg")
	baked, _ = BakeSVG(orig, jwtPayload)
	start := bytes.Index(orig, []byte("<openbadges:credential>"))
	end := bytes.Index(orig, []byte("</openbadges:credential>")) + len("</openbadges:credential>")
	rootEnd := bytes.Index(orig, []byte(`xml:space="preserve">`)) + len(`xml:space="preserve">`)
	el := `<openbadges:credential verify="` + string(jwtPayload) + `"/>`
	want := string(orig[:rootEnd]) + el + string(orig[rootEnd:start]) + string(orig[end:])
	if string(baked) != want {
		t.Errorf("fixture rebake changed other bytes:\n%s", baked)
	}
}

func TestUnbakeSVGVariants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		svg     string
		version Version
		kind    Kind
		payload string
	}{
		{"ob2 url", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"></openbadges:assertion></svg>`, OB2, URL, "https://example.org/a/1"},
		{"ob2 json", `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion><![CDATA[ {"id":"urn:x"} ]]></openbadges:assertion></svg>`, OB2, JSON, `{"id":"urn:x"}`},
		{"ob2 undeclared", `<svg><openbadges:assertion verify="a.b.c"/></svg>`, OB2, JWT, "a.b.c"},
		{"ob3 other prefix", `<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential>{"id":"urn:y"}</b:credential></svg>`, OB3, JSON, `{"id":"urn:y"}`},
		{"ob3 escaped text", `<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential>{"a":"&lt;&amp;"}</b:credential></svg>`, OB3, JSON, `{"a":"<&"}`},
		{"ob3 default ns", `<svg><credential xmlns="https://purl.imsglobal.org/ob/v3p0" verify="x.y.z"/></svg>`, OB3, JWT, "x.y.z"},
		{"ob3 wins over ob2", `<svg xmlns:o2="http://openbadges.org" xmlns:o3="https://purl.imsglobal.org/ob/v3p0"><o2:assertion verify="https://e.org/a"/><o3:credential verify="x.y.z"/></svg>`, OB3, JWT, "x.y.z"},
		{"split cdata", `<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential><![CDATA[{"a":"]]]]><![CDATA[>"}]]></b:credential></svg>`, OB3, JSON, `{"a":"]]>"}`},
	} {
		b, err := Unbake([]byte(tc.svg))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if b.Version != tc.version || b.Kind != tc.kind || string(b.Payload) != tc.payload {
			t.Errorf("%s: got %s %s %q", tc.name, b.Version, b.Kind, b.Payload)
		}
	}
}

func TestSVGErrors(t *testing.T) {
	orig := read(t, "simple-jwt.svg")
	for n := 1; n < len(orig); n += 1 + n/8 {
		if _, err := Unbake(orig[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	for _, tc := range []struct{ name, svg string }{
		{"not svg", `<html><body/></html>`},
		{"unclosed", `<svg><g>`},
		{"bad xml", `<svg><g></h></svg>`},
		{"two ob3", `<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential verify="a.b.c"/><b:credential verify="a.b.c"/></svg>`},
		{"bad payload", `<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential verify="not a jwt"/></svg>`},
		{"ob3 url", `<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential verify="https://example.org/x"/></svg>`},
		{"text before root", `0<svg/>`},
		{"mismatched end", `<svg><openbadges:credential></svg>`},
		{"undeclared entity", `<svg><g>&nbsp;</g></svg>`},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><svg/>`},
	} {
		_, err := Unbake([]byte(tc.svg))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", tc.name, err)
		}
	}
	var ie *ImageError
	if _, err := Unbake([]byte(`<svg><g></h></svg>`)); !errors.As(err, &ie) || ie.Offset == 0 {
		t.Errorf("bad xml: err = %v", err)
	}
	if _, err := BakeSVG([]byte(`<html/>`), jwtPayload); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("BakeSVG(html): err = %v", err)
	}
}

func TestSVGDeclaredEntities(t *testing.T) {
	svg := []byte(`<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_svg "http://www.w3.org/2000/svg">
	<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">
]>
<svg xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;"><text>&ns_svg;</text></svg>`)
	baked, err := BakeSVG(svg, jsonPayload)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := Unbake(baked); err != nil || !bytes.Equal(b.Payload, jsonPayload) {
		t.Fatalf("Unbake: %v", err)
	}
	if !bytes.Contains(baked, []byte(`<svg xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" xmlns:openbadges=`)) {
		t.Errorf("root tag changed: %s", baked)
	}
}

func TestBakeDetects(t *testing.T) {
	for _, img := range [][]byte{read(t, "ob20-robotics-badge-unbaked.png"), []byte(plainSVG)} {
		baked, err := Bake(img, jwtPayload)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := Unbake(baked); err != nil || !bytes.Equal(b.Payload, jwtPayload) {
			t.Errorf("Bake/Unbake: %v", err)
		}
	}
}

func fuzzSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(read(f, n))
	}
}

func FuzzUnbakePNG(f *testing.F) {
	fuzzSeeds(f, "simple-json.png", "simple-jwt.png", "ob20-simple-badge.png", "ob20-robotics-badge-unbaked.png")
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Unbake(data)
		if err == nil && (len(b.Payload) == 0 || b.Kind == "") {
			t.Fatalf("empty result %+v", b)
		}
		if _, _, err := parsePNG(data); err != nil {
			return
		}
		// Any well-formed PNG can be baked, and gives back the payload.
		baked, err := BakePNG(data, jsonPayload)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return
			}
			t.Fatalf("BakePNG: %v", err)
		}
		b, err = Unbake(baked)
		if err != nil || !bytes.Equal(b.Payload, jsonPayload) || b.Version != OB3 {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzUnbakeSVG(f *testing.F) {
	fuzzSeeds(f, "simple-json.svg", "simple-jwt.svg")
	f.Add([]byte(plainSVG))
	f.Add([]byte(`<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://e.org/a"/></svg>`))
	f.Add([]byte(`<svg xmlns:b="https://purl.imsglobal.org/ob/v3p0"><b:credential><![CDATA[{"a":"]]]]><![CDATA[>"}]]></b:credential></svg>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Unbake(data)
		if err == nil && (len(b.Payload) == 0 || b.Kind == "") {
			t.Fatalf("empty result %+v", b)
		}
		if _, err := scanSVG(data); err != nil {
			return
		}
		// Any SVG we can read can be baked, and gives back the payload.
		for _, p := range [][]byte{jsonPayload, jwtPayload} {
			baked, err := BakeSVG(data, p)
			if err != nil {
				if errors.Is(err, ErrTooLarge) {
					return
				}
				t.Fatalf("BakeSVG: %v", err)
			}
			b, err = Unbake(baked)
			if err != nil || !bytes.Equal(b.Payload, p) || b.Version != OB3 {
				t.Fatalf("round trip: %v\n%q", err, baked)
			}
		}
	})
}

func BenchmarkUnbakePNG(b *testing.B) {
	img := read(b, "simple-jwt.png")
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unbake(img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnbakeSVG(b *testing.B) {
	img := read(b, "simple-json.svg")
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unbake(img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBakePNG(b *testing.B) {
	img := read(b, "simple-json.png")
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BakePNG(img, jwtPayload); err != nil {
			b.Fatal(err)
		}
	}
}
