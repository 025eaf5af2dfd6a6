package badgeimg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
)

func makePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withChunk inserts a chunk right after IHDR.
func withChunk(p []byte, typ string, data []byte) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return append(append(append([]byte{}, p[:ihdrEnd]...), c...), p[ihdrEnd:]...)
}

func TestValidatePNG(t *testing.T) {
	fixture, err := os.ReadFile("testdata/simple-json.png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := Validate(fixture, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if img.Format != PNG || img.Width != 981 || img.Height != 941 || !bytes.Equal(img.Data, fixture) || len(img.Warnings) != 0 {
		t.Fatalf("got %v %gx%g %d bytes, warnings %q", img.Format, img.Width, img.Height, len(img.Data), img.Warnings)
	}

	small, err := Validate(makePNG(t, 120, 60), "")
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(small.Warnings, "\n"); !strings.Contains(w, "at least 300×300") || !strings.Contains(w, "square") {
		t.Errorf("warnings %q", small.Warnings)
	}

	good := makePNG(t, 400, 400)
	tests := []struct {
		name, ct string
		data     []byte
		want     error
	}{
		{"too wide", "image/png", makePNG(t, MaxPNGDimension+1, 1), ErrTooLarge},
		{"too big", "image/png", append(bytes.Clone(good), make([]byte, MaxPNGSize)...), ErrTooLarge},
		{"animated", "image/png", withChunk(good, "acTL", make([]byte, 8)), ErrUnsupported},
		{"truncated", "image/png", good[:len(good)-20], ErrInvalidImage},
		{"declared svg", "image/svg+xml", good, ErrInvalidImage},
		{"jpeg", "image/jpeg", good, ErrUnsupported},
		{"gif bytes", "", []byte("GIF89a...."), ErrUnsupported},
		{"bad content type", "image/", good, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Validate(tt.data, tt.ct); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := Validate(good, "image/png; charset=binary"); err != nil {
		t.Errorf("parameters in the content type: %v", err)
	}
	if _, err := Validate(good, "application/octet-stream"); err != nil {
		t.Errorf("octet-stream: %v", err)
	}
}

func TestValidateSVG(t *testing.T) {
	fixture, err := os.ReadFile("testdata/simple-json.svg")
	if err != nil {
		t.Fatal(err)
	}
	img, err := Validate(fixture, "image/svg+xml")
	if err != nil {
		t.Fatal(err)
	}
	if img.Format != SVG || img.Width != 1000 || img.Height != 1000 {
		t.Fatalf("got %v %gx%g", img.Format, img.Width, img.Height)
	}
	if w := strings.Join(img.Warnings, "\n"); !strings.Contains(w, "<credential>") {
		t.Errorf("warnings %q", img.Warnings)
	}
	if _, err := SanitizeSVG(img.Data); err != nil {
		t.Errorf("stored SVG does not sanitize: %v", err)
	}

	img, err = Validate([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="300px" height="100" onload="x()"><script>x()</script></svg>`), "")
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 300 || img.Height != 100 {
		t.Errorf("size %gx%g", img.Width, img.Height)
	}
	if w := strings.Join(img.Warnings, "\n"); !strings.Contains(w, "<script>, onload=") || !strings.Contains(w, "square") {
		t.Errorf("warnings %q", img.Warnings)
	}
	img, err = Validate([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "")
	if err != nil || len(img.Warnings) != 1 || !strings.Contains(img.Warnings[0], "viewBox") {
		t.Errorf("no size: %v %q", err, img.Warnings)
	}
	if _, err := Validate([]byte(`<!DOCTYPE svg [<!ENTITY a "b">]><svg/>`), "image/svg+xml"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("entities: %v", err)
	}
	if _, err := Validate([]byte(`<svg/>`), "image/png"); !errors.Is(err, ErrInvalidImage) {
		t.Errorf("declared png: %v", err)
	}
}
