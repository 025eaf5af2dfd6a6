package badgeimg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"mime"
	"sort"
	"strconv"
	"strings"
)

// Limits on uploaded PNG images.
const (
	// MaxPNGSize is the largest PNG file Validate accepts (2 MiB).
	MaxPNGSize = 2 << 20
	// MaxPNGDimension is the largest width or height of a PNG (pixels).
	MaxPNGDimension = 2048
	// MinRecommendedSize is the smallest width and height Validate does
	// not warn about: badges are shown at up to about 300 CSS pixels on
	// high-density screens.
	MinRecommendedSize = 300
)

// Format is an image format.
type Format string

// Image formats.
const (
	PNG Format = "png"
	SVG Format = "svg"
)

// ContentType returns the media type of the format.
func (f Format) ContentType() string {
	if f == SVG {
		return "image/svg+xml"
	}
	return "image/png"
}

// Image is an accepted achievement image.
type Image struct {
	Format Format
	// Data is the image to store: the uploaded bytes of a PNG, the
	// sanitized document of an SVG.
	Data []byte
	// Width and Height are in pixels for a PNG; for an SVG they come from
	// the viewBox (or width and height) and are 0 when it has neither.
	Width, Height float64
	// Warnings are advice for the uploader that did not stop the upload,
	// e.g. a small or non-square image, or what the sanitizer removed.
	Warnings []string
}

// Validate checks an uploaded achievement image. contentType is the media
// type the client declared: "image/png", "image/svg+xml", or empty or
// "application/octet-stream" to detect the format from the bytes; a
// declared type that contradicts the bytes is refused.
//
// A PNG must decode completely, be at most [MaxPNGSize] bytes and
// [MaxPNGDimension] pixels wide and high, and not be animated (APNG): a
// badge image is a still picture, and the baked chunk Cairn adds must stay
// beside the one image every viewer shows. It is stored as uploaded.
// An SVG is rewritten by [SanitizeSVG]. Errors wrap [ErrInvalidImage],
// [ErrTooLarge] or [ErrUnsupported].
func Validate(data []byte, contentType string) (Image, error) {
	detected, err := detect(data)
	if err != nil {
		return Image{}, err
	}
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return Image{}, fmt.Errorf("badgeimg: content type %q: %w", contentType, ErrUnsupported)
		}
		var declared Format
		switch mt {
		case "image/png":
			declared = PNG
		case "image/svg+xml":
			declared = SVG
		case "application/octet-stream":
			declared = detected
		default:
			return Image{}, fmt.Errorf("badgeimg: content type %q: only image/png and image/svg+xml: %w", mt, ErrUnsupported)
		}
		if declared != detected {
			return Image{}, fmt.Errorf("badgeimg: content type %q but the data is %s: %w", mt, detected.ContentType(), ErrInvalidImage)
		}
	}
	var img Image
	if detected == PNG {
		img, err = validatePNG(data)
	} else {
		img, err = validateSVG(data)
	}
	if err != nil {
		return Image{}, err
	}
	img.Warnings = append(img.Warnings, sizeWarnings(img)...)
	return img, nil
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// detect tells a PNG by its signature and an SVG by a leading '<'.
func detect(data []byte) (Format, error) {
	if bytes.HasPrefix(data, pngSignature) {
		return PNG, nil
	}
	rest := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(rest) > 0 && rest[0] == '<' {
		return SVG, nil
	}
	return "", fmt.Errorf("badgeimg: not a PNG or SVG image: %w", ErrUnsupported)
}

func validatePNG(data []byte) (Image, error) {
	if len(data) > MaxPNGSize {
		return Image{}, fmt.Errorf("badgeimg: PNG of %d bytes: %w (limit %d)", len(data), ErrTooLarge, MaxPNGSize)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Image{}, fmt.Errorf("badgeimg: %v: %w", err, ErrInvalidImage)
	}
	if cfg.Width > MaxPNGDimension || cfg.Height > MaxPNGDimension {
		return Image{}, fmt.Errorf("badgeimg: PNG of %d×%d pixels: %w (limit %d×%d)", cfg.Width, cfg.Height, ErrTooLarge, MaxPNGDimension, MaxPNGDimension)
	}
	if animated(data) {
		return Image{}, fmt.Errorf("badgeimg: animated PNG (APNG): %w", ErrUnsupported)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		return Image{}, fmt.Errorf("badgeimg: %v: %w", err, ErrInvalidImage)
	}
	return Image{Format: PNG, Data: data, Width: float64(cfg.Width), Height: float64(cfg.Height)}, nil
}

// animated reports whether a PNG has an acTL chunk before its image data.
func animated(data []byte) bool {
	p := data[len(pngSignature):]
	for len(p) >= 8 {
		n := int(binary.BigEndian.Uint32(p))
		typ := string(p[4:8])
		if typ == "acTL" {
			return true
		}
		if typ == "IDAT" || n < 0 || n > len(p)-12 {
			return false
		}
		p = p[12+n:]
	}
	return false
}

func validateSVG(data []byte) (Image, error) {
	out, removed, err := sanitizeSVG(data)
	if err != nil {
		return Image{}, err
	}
	img := Image{Format: SVG, Data: out}
	img.Width, img.Height = svgSize(out)
	if img.Width == 0 {
		img.Warnings = append(img.Warnings, "the SVG has no viewBox or width and height: it may not scale as expected")
	}
	if len(removed) > 0 {
		sort.Strings(removed)
		img.Warnings = append(img.Warnings, "removed from the SVG as unsafe or unsupported: "+strings.Join(removed, ", "))
	}
	return img, nil
}

// svgSize reads the size of a sanitized SVG from the root's viewBox, or
// its width and height when they are plain numbers or pixels.
func svgSize(doc []byte) (w, h float64) {
	end := bytes.IndexByte(doc, '>')
	root := string(doc[:end])
	attr := func(name string) string {
		_, v, ok := strings.Cut(root, " "+name+`="`)
		if !ok {
			return ""
		}
		v, _, _ = strings.Cut(v, `"`)
		return v
	}
	if vb := strings.FieldsFunc(attr("viewBox"), func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '&' }); len(vb) == 4 {
		w, err1 := strconv.ParseFloat(vb[2], 64)
		h, err2 := strconv.ParseFloat(vb[3], 64)
		if err1 == nil && err2 == nil && w > 0 && h > 0 {
			return w, h
		}
	}
	w, err1 := strconv.ParseFloat(strings.TrimSuffix(attr("width"), "px"), 64)
	h, err2 := strconv.ParseFloat(strings.TrimSuffix(attr("height"), "px"), 64)
	if err1 == nil && err2 == nil && w > 0 && h > 0 {
		return w, h
	}
	return 0, 0
}

// sizeWarnings advises on non-square images and small PNGs.
func sizeWarnings(img Image) []string {
	w, h := img.Width, img.Height
	if w <= 0 || h <= 0 {
		return nil
	}
	var warn []string
	if img.Format == PNG && min(w, h) < MinRecommendedSize {
		warn = append(warn, fmt.Sprintf("the image is %g×%g pixels: at least %d×%d looks sharp on high-density screens", w, h, MinRecommendedSize, MinRecommendedSize))
	}
	if r := max(w, h) / min(w, h); r > 1.1 {
		warn = append(warn, fmt.Sprintf("the image is %g×%g: badges are shown in a square, so a square image looks best", w, h))
	}
	return warn
}
