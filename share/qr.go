package share

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// QuietZone is the white margin around a QR code, in modules (ISO/IEC
// 18004 asks for at least four).
const QuietZone = 4

// MaxQRContent is the longest text QRCodeSVG and QRCodePNG encode, in
// bytes; longer URLs make codes too dense to scan from a printed page.
const MaxQRContent = 1024

// ErrQRContent is wrapped by the errors of QRCodeSVG and QRCodePNG for
// empty or too long content.
var ErrQRContent = errors.New("cannot encode as QR code")

// matrix is a QR code's modules, dark = true, without the quiet zone.
type matrix struct {
	n    int
	dark []bool
}

func (m matrix) at(x, y int) bool { return m.dark[y*m.n+x] }

// encode makes the QR code of s with error correction level M (15% of the
// code can be lost).
func encode(s string) (matrix, error) {
	if s == "" || len(s) > MaxQRContent {
		return matrix{}, fmt.Errorf("share: %d bytes (1 to %d): %w", len(s), MaxQRContent, ErrQRContent)
	}
	code, err := qr.Encode(s, qr.M, qr.Auto)
	if err != nil {
		return matrix{}, fmt.Errorf("share: %v: %w", err, ErrQRContent)
	}
	return toMatrix(code), nil
}

func toMatrix(code barcode.Barcode) matrix {
	b := code.Bounds()
	m := matrix{n: b.Dx(), dark: make([]bool, b.Dx()*b.Dy())}
	for y := range m.n {
		for x := range m.n {
			r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
			m.dark[y*m.n+x] = r < 0x8000
		}
	}
	return m
}

// QRMatrix is a QR code's modules, without the quiet zone, for drawing
// it in other formats (a PDF certificate draws it as vector squares).
type QRMatrix struct{ m matrix }

// QRCode returns the modules of the QR code of url (error correction M),
// as QRCodeSVG and QRCodePNG draw them.
func QRCode(url string) (QRMatrix, error) {
	m, err := encode(url)
	return QRMatrix{m}, err
}

// Size is the number of modules on a side, without the quiet zone.
func (q QRMatrix) Size() int { return q.m.n }

// Dark reports whether the module in column x and row y (from the top
// left, 0 to Size()-1) is dark.
func (q QRMatrix) Dark(x, y int) bool { return q.m.at(x, y) }

// QRCodeSVG returns the QR code of url (error correction M, a quiet zone
// of [QuietZone] modules) as a compact SVG document: a white square and one
// path of the dark modules, in a viewBox one unit per module, with no
// width or height so that it scales to its container.
func QRCodeSVG(url string) ([]byte, error) {
	m, err := encode(url)
	if err != nil {
		return nil, err
	}
	size := strconv.Itoa(m.n + 2*QuietZone)
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + size + " " + size + `" shape-rendering="crispEdges" role="img" aria-label="QR code">`)
	b.WriteString(`<rect width="` + size + `" height="` + size + `" fill="#fff"/><path fill="#000" d="`)
	// One rectangle per horizontal run of dark modules.
	for y := range m.n {
		for x := 0; x < m.n; {
			if !m.at(x, y) {
				x++
				continue
			}
			run := 1
			for x+run < m.n && m.at(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+QuietZone, y+QuietZone, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// QRCodePNG returns the QR code of url as a size×size black-and-white PNG
// (error correction M, a quiet zone of at least [QuietZone] modules).
// Modules are a whole number of pixels, so the code is sharp; pixels left
// over widen the white margin. size must leave at least one pixel per
// module (about 33 pixels for a short URL) and be at most 4096.
func QRCodePNG(url string, size int) ([]byte, error) {
	m, err := encode(url)
	if err != nil {
		return nil, err
	}
	modules := m.n + 2*QuietZone
	if size < modules || size > 4096 {
		return nil, fmt.Errorf("share: QR code of %d modules in %d pixels: size must be %d to 4096", modules, size, modules)
	}
	scale := size / modules
	off := (size - m.n*scale) / 2 // the quiet zone plus the leftover pixels
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y := range m.n {
		for x := range m.n {
			if !m.at(x, y) {
				continue
			}
			for dy := range scale {
				row := img.Pix[(off+y*scale+dy)*img.Stride:]
				for dx := range scale {
					row[off+x*scale+dx] = 1
				}
			}
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("share: encoding PNG: %w", err)
	}
	return out.Bytes(), nil
}
