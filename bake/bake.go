package bake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxImageSize is the largest image Bake and Unbake accept (10 MiB).
const MaxImageSize = 10 << 20

// MaxPayloadSize is the largest credential Bake embeds and Unbake returns,
// after any decompression (4 MiB).
const MaxPayloadSize = 4 << 20

// Format is an image format.
type Format string

// Image formats.
const (
	PNG Format = "png"
	SVG Format = "svg"
)

// Version is the Open Badges version a baked image follows.
type Version string

// Open Badges versions.
const (
	OB3 Version = "ob3" // Open Badges 3.0: openbadgecredential / <credential>
	OB2 Version = "ob2" // Open Badges 2.0: openbadges / <assertion>
)

// Kind says what a baked payload holds.
type Kind string

// Payload kinds.
const (
	JSON Kind = "json" // a credential or assertion as JSON
	JWT  Kind = "jwt"  // a compact JWS (VC-JWT, or an OB 2.0 signed assertion)
	URL  Kind = "url"  // an OB 2.0 hosted assertion URL
)

// Baked is a credential extracted from an image.
type Baked struct {
	Format  Format
	Version Version
	Kind    Kind
	// Payload is the embedded text: JSON (surrounding white space
	// removed), a compact JWS or a URL.
	Payload []byte
}

// Errors wrapped by the errors of this package; test with errors.Is.
var (
	// ErrNotBaked: the image is valid but carries no credential.
	ErrNotBaked = errors.New("no baked credential found")
	// ErrInvalidImage: the input is not a well-formed PNG or SVG image.
	ErrInvalidImage = errors.New("invalid image")
	// ErrTooLarge: the image or the payload exceeds a size cap.
	ErrTooLarge = errors.New("too large")
	// ErrInvalidPayload: the payload to bake, or the one found, is neither
	// JSON nor a compact JWS (nor, for OB 2.0, a URL).
	ErrInvalidPayload = errors.New("invalid payload")
)

// An ImageError reports where an image is malformed.
type ImageError struct {
	Format Format
	// Offset is the byte offset of the problem in the input.
	Offset int64
	// Where names the part of the image, e.g. `chunk 3 "IDAT"`; may be empty.
	Where  string
	Reason string
}

func (e *ImageError) Error() string {
	where := ""
	if e.Where != "" {
		where = " " + e.Where
	}
	return fmt.Sprintf("bake: invalid %s:%s at offset %d: %s", formatName(e.Format), where, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidImage) true.
func (e *ImageError) Is(target error) bool { return target == ErrInvalidImage }

func formatName(f Format) string {
	switch f {
	case PNG:
		return "PNG"
	case SVG:
		return "SVG"
	}
	return "image"
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Detect reports the format of an image: PNG by its signature, SVG when
// the first non-blank byte (after an optional UTF-8 BOM) is '<'.
func Detect(data []byte) (Format, error) {
	if bytes.HasPrefix(data, pngSignature) {
		return PNG, nil
	}
	rest := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(rest) > 0 && rest[0] == '<' {
		return SVG, nil
	}
	return "", fmt.Errorf("bake: input is not a PNG or SVG image: %w", ErrInvalidImage)
}

// Bake embeds payload in a PNG or SVG image, detected by [Detect]. See
// [BakePNG] and [BakeSVG].
func Bake(img, payload []byte) ([]byte, error) {
	f, err := Detect(img)
	if err != nil {
		return nil, err
	}
	if f == PNG {
		return BakePNG(img, payload)
	}
	return BakeSVG(img, payload)
}

// Unbake extracts the credential baked into a PNG or SVG image. An image
// with an OB 3.0 credential yields that credential even if it also carries
// an OB 2.0 assertion. It fails with an error wrapping [ErrNotBaked] when
// there is none, [ErrInvalidImage] (an [*ImageError] where the position is
// known) when the image is malformed, [ErrTooLarge] beyond the size caps,
// and [ErrInvalidPayload] when the embedded text is of no known kind.
func Unbake(data []byte) (*Baked, error) {
	if len(data) > MaxImageSize {
		return nil, fmt.Errorf("bake: image of %d bytes: %w (limit %d)", len(data), ErrTooLarge, MaxImageSize)
	}
	f, err := Detect(data)
	if err != nil {
		return nil, err
	}
	if f == PNG {
		return unbakePNG(data)
	}
	return unbakeSVG(data)
}

// payloadKind checks a payload found in an image or given to bake. The
// result's payload is p without surrounding white space.
func payloadKind(p []byte, v Version) (Kind, []byte, error) {
	p = bytes.TrimSpace(p)
	switch {
	case len(p) == 0:
		return "", nil, fmt.Errorf("bake: payload is empty: %w", ErrInvalidPayload)
	case len(p) > MaxPayloadSize:
		return "", nil, fmt.Errorf("bake: payload of %d bytes: %w (limit %d)", len(p), ErrTooLarge, MaxPayloadSize)
	case !utf8.Valid(p):
		return "", nil, fmt.Errorf("bake: payload is not UTF-8: %w", ErrInvalidPayload)
	case p[0] == '{':
		if !json.Valid(p) {
			return "", nil, fmt.Errorf("bake: payload starts with '{' but is not valid JSON: %w", ErrInvalidPayload)
		}
		return JSON, p, nil
	case isCompactJWS(p):
		return JWT, p, nil
	case v == OB2 && isURL(p):
		return URL, p, nil
	}
	return "", nil, fmt.Errorf("bake: payload is neither a JSON object nor a compact JWS: %w", ErrInvalidPayload)
}

// isCompactJWS reports whether p has the shape of a compact JWS: three
// base64url segments, the header and signature non-empty (the payload may
// be detached).
func isCompactJWS(p []byte) bool {
	parts := bytes.Split(p, []byte("."))
	if len(parts) != 3 || len(parts[0]) == 0 || len(parts[2]) == 0 {
		return false
	}
	for _, part := range parts {
		for _, c := range part {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func isURL(p []byte) bool {
	if bytes.ContainsAny(p, " \t\r\n<>\"") {
		return false
	}
	return bytes.HasPrefix(p, []byte("https://")) || bytes.HasPrefix(p, []byte("http://"))
}
