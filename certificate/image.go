package certificate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"

	"golang.org/x/image/draw"
)

// MaxImagePixels is the longest side, in pixels, of an image embedded in a
// certificate; larger images are scaled down first (600 pixels over the
// 32 mm of a badge is more than 450 dpi).
const MaxImagePixels = 800

// MaxImageBytes is the largest PNG Render accepts for an image.
const MaxImageBytes = 2 << 20

// MaxImageDimension is the largest width or height of a PNG Render
// accepts, before scaling.
const MaxImageDimension = 4096

// ErrImage is wrapped by the errors of images Render cannot draw.
var ErrImage = errors.New("certificate: cannot use the image")

// preparedImage is a PNG the PDF writer reads: 8-bit RGB or RGBA, not
// interlaced, at most MaxImagePixels on a side.
type preparedImage struct {
	png  []byte
	w, h int
}

// prepare checks a PNG and converts it, if needed, to what the PDF writer
// reads. The PNG is returned as is when it already is.
func prepare(data []byte) (*preparedImage, error) {
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrImage, len(data), MaxImageBytes)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: not a PNG: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageDimension || cfg.Height > MaxImageDimension {
		return nil, fmt.Errorf("%w: %d×%d pixels (at most %d on a side)", ErrImage, cfg.Width, cfg.Height, MaxImageDimension)
	}
	// IHDR: bit depth at byte 24, colour type at 25, interlace at 28.
	depth, ctype, interlace := data[24], data[25], data[28]
	if depth == 8 && (ctype == 2 || ctype == 6) && interlace == 0 && cfg.Width <= MaxImagePixels && cfg.Height <= MaxImagePixels &&
		binary.BigEndian.Uint32(data[8:12]) == 13 {
		return &preparedImage{png: data, w: cfg.Width, h: cfg.Height}, nil
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	w, h := cfg.Width, cfg.Height
	if w > MaxImagePixels || h > MaxImagePixels {
		if w >= h {
			w, h = MaxImagePixels, max(1, h*MaxImagePixels/w)
		} else {
			w, h = max(1, w*MaxImagePixels/h), MaxImagePixels
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w == cfg.Width && h == cfg.Height {
		draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, dst); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	return &preparedImage{png: buf.Bytes(), w: w, h: h}, nil
}
