package certificate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Layout is the arrangement of a certificate's page.
type Layout string

// The layouts.
const (
	// Classic is centred text in a double frame, the badge above the
	// heading, dates, signature and QR code along the bottom.
	Classic Layout = "classic"
	// Modern is a band of the primary colour down the left holding the
	// badge, the issuer and the QR code, with the text beside it.
	Modern Layout = "modern"
	// Minimal is left-aligned text on white under a thin bar.
	Minimal Layout = "minimal"
)

// Layouts are the layouts, the default first.
var Layouts = []Layout{Classic, Modern, Minimal}

// The defaults of a Design's empty fields.
const (
	DefaultTitle   = "Certificate of Achievement"
	DefaultPrimary = "#1f3a5f"
	DefaultAccent  = "#9a6a00"
)

// Limits of a Design's texts, in characters.
const (
	MaxTitleLength     = 60
	MaxSignatoryLength = 100
)

// MinContrast is the least contrast ratio with white that Design's colours
// need (WCAG 2's ratio for large text): the primary colour is the
// background of white text in the modern layout, and both colours are
// text colours on white.
const MinContrast = 3.0

// Design is how the certificates of an achievement look: chosen by the
// issuer's staff once for every award of it.
type Design struct {
	Layout Layout // "" for Classic
	// Title is the heading, e.g. "Certificate of Completion" ("" for
	// DefaultTitle).
	Title string
	// Primary and Accent are colours as #rrggbb ("" for the defaults):
	// the frame or band and the heading; the achievement's name and the
	// rules.
	Primary, Accent string
	// SignatoryName and SignatoryTitle are printed under the signature
	// line, e.g. "Dr Jane Roe", "Dean of Studies" (both may be empty).
	SignatoryName, SignatoryTitle string
}

// FieldError is a Design field that is not valid.
type FieldError struct {
	Field  string // the JSON name: layout, title, primaryColor, accentColor, signatoryName, signatoryTitle
	Reason string
}

func (e *FieldError) Error() string { return "certificate: " + e.Field + ": " + e.Reason }

// Validate reports the first field of d that is not valid, as a
// *FieldError.
func (d Design) Validate() error {
	switch d.Layout {
	case "", Classic, Modern, Minimal:
	default:
		return &FieldError{"layout", fmt.Sprintf("%q is not a layout: use classic, modern or minimal", d.Layout)}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"title", d.Title, MaxTitleLength}, {"signatoryName", d.SignatoryName, MaxSignatoryLength}, {"signatoryTitle", d.SignatoryTitle, MaxSignatoryLength}} {
		if !utf8.ValidString(f.v) {
			return &FieldError{f.name, "is not valid UTF-8"}
		}
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return &FieldError{f.name, fmt.Sprintf("is %d characters long; at most %d", n, f.max)}
		}
		if strings.ContainsFunc(f.v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return &FieldError{f.name, "contains control characters (line breaks included)"}
		}
	}
	for _, f := range []struct{ name, v string }{{"primaryColor", d.Primary}, {"accentColor", d.Accent}} {
		if f.v == "" {
			continue
		}
		c, ok := parseColor(f.v)
		if !ok {
			return &FieldError{f.name, fmt.Sprintf("%q is not a colour: use #rrggbb", f.v)}
		}
		if cr := contrast(c, rgb{255, 255, 255}); cr < MinContrast {
			return &FieldError{f.name, fmt.Sprintf("%s is too light to read on white or under white text (contrast %.1f:1; at least %.0f:1)", f.v, cr, MinContrast)}
		}
	}
	return nil
}

// normalized returns d with the defaults in its empty fields.
func (d Design) normalized() Design {
	if d.Layout == "" {
		d.Layout = Classic
	}
	if strings.TrimSpace(d.Title) == "" {
		d.Title = DefaultTitle
	}
	if _, ok := parseColor(d.Primary); !ok {
		d.Primary = DefaultPrimary
	}
	if _, ok := parseColor(d.Accent); !ok {
		d.Accent = DefaultAccent
	}
	return d
}

// rgb is a colour.
type rgb struct{ r, g, b uint8 }

func parseColor(s string) (rgb, bool) {
	if len(s) != 7 || s[0] != '#' {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, true
}

func mustColor(s string) rgb {
	c, _ := parseColor(s)
	return c
}

// luminance is the WCAG relative luminance of c.
func luminance(c rgb) float64 {
	ch := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(c.r) + 0.7152*ch(c.g) + 0.0722*ch(c.b)
}

// contrast is the WCAG contrast ratio of a and b.
func contrast(a, b rgb) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
