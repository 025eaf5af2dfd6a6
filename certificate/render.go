package certificate

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/share"
)

// Size is a paper size; certificates are landscape.
type Size string

// The paper sizes.
const (
	A4     Size = "a4"
	Letter Size = "letter"
)

// Limits of a Certificate's texts, in characters: longer texts are cut
// (with an ellipsis) before they are fitted to their boxes.
const (
	MaxNameLength        = 300
	MaxDescriptionLength = 1000
	MaxURLLength         = share.MaxQRContent
)

// Certificate is what one certificate shows.
type Certificate struct {
	Design Design
	Size   Size // "" for A4

	// RecipientName is the learner's name; "" when it is not to be shown
	// (the certificate then names no one).
	RecipientName   string
	AchievementName string
	// AchievementType names the kind of achievement in words, e.g.
	// "Badge", "Micro Credential" ("" for none).
	AchievementType string
	Description     string // the achievement's, shortened to fit
	IssuerName      string

	Awarded    time.Time // zero for none
	ValidUntil time.Time // zero for no expiry
	// Note is a line printed in red under the dates, e.g. that the
	// credential has expired ("" for none).
	Note string

	// URL is where the credential is verified: printed and in the QR code.
	URL          string
	CredentialID string

	// Badge, Logo and Signature are PNG images (nil for none): the
	// achievement's badge, the issuer's logo and the signatory's
	// signature. An image that is not a PNG within the limits
	// (MaxImageBytes, MaxImageDimension) is left out.
	Badge, Logo, Signature []byte

	// Language is the BCP 47 tag of the certificate's texts, the
	// achievement's ("" for Lang's).
	Language string
	// Lang is the language of the certificate's own wording: its captions,
	// its dates and, when Design has no title, its title ("" for English).
	Lang i18n.Lang
	// Created is the PDF's creation date (zero for Awarded), so that the
	// same certificate gives the same bytes.
	Created time.Time
}

// page sizes, landscape, in mm.
func (s Size) dims() (w, h float64, name string) {
	if s == Letter {
		return 279.4, 215.9, "Letter"
	}
	return 297, 210, "A4"
}

var (
	black = rgb{0x1a, 0x1a, 0x1a}
	gray  = rgb{0x55, 0x55, 0x55}
	white = rgb{0xff, 0xff, 0xff}
	red   = rgb{0xb0, 0x1c, 0x1c}
)

// cut shortens s to n characters, with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + ellipsis
}

// certificate is a Certificate being drawn.
type certificate struct {
	*doc
	c                      *Certificate
	d                      Design
	p                      *i18n.Printer // the wording's language
	w, h                   float64
	primary, accent        rgb
	name, achievement      string
	description, issuer    string
	badge, logo, signature *preparedImage
}

// compress is whether PDF streams are compressed (tests read them plain).
var compress = true

// Render draws the certificate as a one-page PDF.
func Render(c *Certificate) ([]byte, error) {
	if c.URL == "" {
		return nil, fmt.Errorf("certificate: no verification URL")
	}
	if len(c.URL) > MaxURLLength {
		return nil, fmt.Errorf("certificate: the verification URL is %d bytes long; at most %d", len(c.URL), MaxURLLength)
	}
	qr, err := share.QRCode(c.URL)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	w, h, sizeName := c.Size.dims()
	pdf := fpdf.New("L", "mm", sizeName, "")
	pdf.SetCatalogSort(true)
	pdf.SetCompression(compress)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	created := c.Created
	if created.IsZero() {
		created = c.Awarded
	}
	if !created.IsZero() {
		pdf.SetCreationDate(created.UTC())
		pdf.SetModificationDate(created.UTC())
	}
	d := c.Design.normalized()
	x := &certificate{
		doc: &doc{pdf: pdf}, c: c, d: d, p: i18n.For(c.Lang), w: w, h: h,
		primary: mustColor(d.Primary), accent: mustColor(d.Accent),
		name:        cut(clean(c.RecipientName), MaxNameLength),
		achievement: cut(clean(c.AchievementName), MaxNameLength),
		description: cut(clean(c.Description), MaxDescriptionLength),
		issuer:      cut(clean(c.IssuerName), MaxNameLength),
	}
	if strings.TrimSpace(c.Design.Title) == "" {
		d.Title = x.p.T(DefaultTitle)
	}
	x.d.Title = cut(clean(d.Title), MaxTitleLength)
	x.d.SignatoryName = cut(clean(d.SignatoryName), MaxSignatoryLength)
	x.d.SignatoryTitle = cut(clean(d.SignatoryTitle), MaxSignatoryLength)
	for _, im := range []struct {
		data []byte
		dst  **preparedImage
	}{{c.Badge, &x.badge}, {c.Logo, &x.logo}, {c.Signature, &x.signature}} {
		if len(im.data) > 0 {
			*im.dst, _ = prepare(im.data) // left out when it cannot be used
		}
	}

	title := x.achievement
	if x.name != "" {
		title = x.achievement + " — " + x.name
	}
	pdf.SetTitle(title, true)
	pdf.SetAuthor(x.issuer, true)
	pdf.SetSubject(d.Title, true)
	pdf.SetKeywords(c.URL, true)
	pdf.SetCreator("Cairn", true)
	pdf.SetProducer("Cairn", true)
	lang := c.Language
	if lang == "" {
		lang = x.p.Code()
	}
	pdf.SetLang(lang)
	pdf.AddPage()

	switch d.Layout {
	case Modern:
		x.modern(qr)
	case Minimal:
		x.minimal(qr)
	default:
		x.classic(qr)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return buf.Bytes(), nil
}

// image draws img in the box, centred and scaled to fit it (never up
// beyond the box), aligned as a says horizontally; it returns the drawn
// width.
func (x *certificate) image(name string, img *preparedImage, bx, by, bw, bh float64, a align) float64 {
	if img == nil {
		return 0
	}
	iw, ih := bw, bw*float64(img.h)/float64(img.w)
	if ih > bh {
		iw, ih = bh*float64(img.w)/float64(img.h), bh
	}
	ix := bx + (bw-iw)/2
	switch a {
	case left:
		ix = bx
	case right:
		ix = bx + bw - iw
	}
	opts := fpdf.ImageOptions{ImageType: "PNG"}
	x.pdf.RegisterImageOptionsReader(name, opts, bytes.NewReader(img.png))
	x.pdf.ImageOptions(name, ix, by+(bh-ih)/2, iw, ih, false, opts, 0, "")
	return iw
}

// qr draws the QR code with its quiet zone as a size×size square at
// (qx, qy), linked to the URL.
func (x *certificate) qr(m share.QRMatrix, qx, qy, size float64) {
	n := m.Size()
	mod := size / float64(n+2*share.QuietZone)
	k := x.pdf.GetConversionRatio()
	x.pdf.SetFillColor(255, 255, 255)
	x.pdf.Rect(qx, qy, size, size, "F")
	var b strings.Builder
	b.WriteString("q 0 g\n")
	f := func(v float64) string { return strconv.FormatFloat(v*k, 'f', 2, 64) }
	for row := range n {
		for col := 0; col < n; {
			if !m.Dark(col, row) {
				col++
				continue
			}
			run := 1
			for col+run < n && m.Dark(col+run, row) {
				run++
			}
			px := qx + float64(share.QuietZone+col)*mod
			py := qy + float64(share.QuietZone+row+1)*mod
			// PDF space: origin at the bottom left; a hair of overlap
			// keeps viewers from drawing seams between modules.
			b.WriteString(f(px) + " " + f(x.h-py) + " " + f(float64(run)*mod+0.01) + " " + f(mod+0.01) + " re\n")
			col += run
		}
	}
	b.WriteString("f Q")
	x.pdf.RawWriteStr(b.String())
	x.pdf.LinkString(qx, qy, size, size, x.c.URL)
}

// caption draws a one-line caption with its baseline at y, set smaller
// (to 75%) when it is too wide for w, and cut at 75% if still too wide:
// the captions' translations are longer than the English in some
// languages.
func (x *certificate) caption(lx, y, w float64, s string, st textStyle, a align) {
	f := x.fit(s, st.bold, st.size, st.size*0.75, w, 1, 0)
	x.drawFitted(lx, y, w, f, st, a)
}

// labelled draws a small caption and a value under it; it returns the y
// below them.
func (x *certificate) labelled(lx, y, w float64, label, value string, a align, onColor bool) float64 {
	lc, vc := gray, black
	if onColor {
		lc, vc = white, white
	}
	x.caption(lx, y, w, strings.ToUpper(label), textStyle{size: 7.5, color: lc}, a)
	f := x.fit(value, true, 11, 8, w, 2, 0)
	return x.drawFitted(lx, y+5, w, f, textStyle{bold: true, color: vc}, a) + 2
}

// dates draws the dates and the note in a column; it returns the y below.
func (x *certificate) dates(lx, y, w float64, a align, onColor bool) float64 {
	if !x.c.Awarded.IsZero() {
		y = x.labelled(lx, y, w, x.p.T("Awarded"), x.p.Date(x.c.Awarded), a, onColor)
	}
	if !x.c.ValidUntil.IsZero() {
		y = x.labelled(lx, y+1, w, x.p.T("Valid until"), x.p.Date(x.c.ValidUntil), a, onColor)
	}
	if note := clean(x.c.Note); note != "" {
		f := x.fit(note, true, 9, 7, w, 2, 0)
		c := red
		if onColor {
			c = white
		}
		y = x.drawFitted(lx, y+4, w, f, textStyle{bold: true, color: c}, a)
	}
	return y
}

// signature draws the signature image over a line and the signatory under
// it, centred on cx; top is the top of the image's box.
func (x *certificate) signatureBlock(cx, top, w float64, st rgb) {
	if x.signature == nil && x.d.SignatoryName == "" && x.d.SignatoryTitle == "" {
		return
	}
	lineY := top + 18
	x.image("signature", x.signature, cx-w/2, top, w, 17, center)
	x.pdf.SetDrawColor(int(st.r), int(st.g), int(st.b))
	x.pdf.SetLineWidth(0.3)
	x.pdf.Line(cx-w/2, lineY, cx+w/2, lineY)
	y := lineY + 4.5
	if x.d.SignatoryName != "" {
		f := x.fit(x.d.SignatoryName, true, 10, 7, w, 1, 0)
		y = x.drawFitted(cx-w/2, y, w, f, textStyle{bold: true, color: black}, center) + 3
	}
	if x.d.SignatoryTitle != "" {
		f := x.fit(x.d.SignatoryTitle, false, 8.5, 6.5, w, 2, 0)
		x.drawFitted(cx-w/2, y, w, f, textStyle{color: gray}, center)
	}
}

// verifyText draws the "verify" caption and the URL in a column; it
// returns the y below.
func (x *certificate) verifyText(lx, y, w float64, a align, c rgb) float64 {
	x.caption(lx, y, w, x.p.T("Verify this certificate"), textStyle{bold: true, size: 8, color: c}, a)
	x.caption(lx, y+3.6, w, x.p.T("Scan the code or visit"), textStyle{size: 7, color: c}, a)
	f := x.fit(x.c.URL, false, 7, 5.5, w, 3, 0)
	end := x.drawFitted(lx, y+7.2, w, f, textStyle{color: c}, a)
	x.pdf.LinkString(lx, y+4.5, w, end-y-4.5, x.c.URL)
	if x.c.CredentialID != "" && x.c.CredentialID != x.c.URL {
		f := x.fit(x.p.T("ID %s", x.c.CredentialID), false, 6, 5, w, 2, 0)
		end = x.drawFitted(lx, end+3, w, f, textStyle{color: c}, a)
	}
	return end
}

// earned is the line between the name and the achievement: "has earned
// the micro credential", the type named in the wording's language.
func (x *certificate) earned() string {
	if t := clean(x.c.AchievementType); t != "" && !strings.EqualFold(t, "badge") && !strings.EqualFold(t, "achievement") {
		return x.p.T("has earned the %s", strings.ToLower(x.p.TypeName(t)))
	}
	return x.p.T("has earned")
}

// block is one text or image of a column of blocks.
type block struct {
	f    fitted
	st   textStyle
	gap  float64 // space above it, mm
	img  *preparedImage
	name string  // the image's name in the PDF
	imgH float64 // the image's box height; its width is the column's
	imgW float64
}

func (b block) height() float64 {
	if b.img != nil {
		return b.imgH
	}
	return b.f.height() + b.f.size*ptToMM*0.25
}

// column lays blocks out top to bottom, centred vertically in [top,
// bottom] (or from top when they are taller), aligned in [bx, bx+w].
func (x *certificate) column(bs []block, bx, w, top, bottom float64, a align) {
	total := 0.0
	for _, b := range bs {
		total += b.gap + b.height()
	}
	y := top
	if total < bottom-top {
		y += (bottom - top - total) / 2
	}
	for _, b := range bs {
		y += b.gap
		if b.img != nil {
			ix, iw := bx, b.imgW
			switch a {
			case center:
				ix = bx + (w-iw)/2
			case right:
				ix = bx + w - iw
			}
			x.image(b.name, b.img, ix, y, iw, b.imgH, a)
		} else {
			x.drawFitted(bx, y+b.f.size*ptToMM*0.8, w, b.f, b.st, a)
		}
		y += b.height()
	}
}

// text returns a block of s fitted to the column.
func (x *certificate) text(s string, bold bool, max, min, w float64, lines int, maxH float64, c rgb, gap float64) block {
	return block{f: x.fit(s, bold, max, min, w, lines, maxH), st: textStyle{bold: bold, color: c}, gap: gap}
}

// main returns the blocks every layout shows in its main column: the
// title, the name, the achievement, the issuer and the description that
// fits in the height left.
func (x *certificate) main(w, height float64, title block, nameMax, achMax float64, achColor rgb) []block {
	bs := []block{title}
	intro := x.p.T("This certifies that")
	if x.name == "" {
		intro = x.p.T("This certificate is awarded for")
	}
	bs = append(bs, x.text(intro, false, 11, 9, w, 1, 0, gray, 5))
	if x.name != "" {
		bs = append(bs, x.text(x.name, true, nameMax, 13, w, 2, nameMax*ptToMM*0.68*(1+lineHeight), black, 2.5),
			x.text(x.earned(), false, 11, 9, w, 1, 0, gray, 2.5))
	}
	bs = append(bs, x.text(x.achievement, true, achMax, 12, w, 2, achMax*ptToMM*0.7*(1+lineHeight), achColor, 2.5))
	if x.issuer != "" {
		bs = append(bs, x.text(x.p.T("Issued by %s", x.issuer), false, 11, 8, w, 1, 0, black, 2))
	}
	if x.description != "" {
		used := 0.0
		for _, b := range bs {
			used += b.gap + b.height()
		}
		const size = 9.5
		n := min(4, int((height-used-4)/(size*lineHeight*ptToMM)))
		if n >= 1 {
			bs = append(bs, x.text(x.description, false, size, 8, w, n, 0, gray, 4))
		}
	}
	return bs
}

func (x *certificate) classic(qr share.QRMatrix) {
	w, h := x.w, x.h
	p := x.pdf
	p.SetDrawColor(int(x.primary.r), int(x.primary.g), int(x.primary.b))
	p.SetLineWidth(1.6)
	p.Rect(8, 8, w-16, h-16, "D")
	p.SetDrawColor(int(x.accent.r), int(x.accent.g), int(x.accent.b))
	p.SetLineWidth(0.4)
	p.Rect(11.5, 11.5, w-23, h-23, "D")

	cx, cw := 30.0, w-60
	x.image("logo", x.logo, 18, 18, 40, 16, left)
	top, bottomTop := 18.0, h-58
	var bs []block
	if x.badge != nil {
		bs = append(bs, block{img: x.badge, name: "badge", imgW: 32, imgH: 32})
	}
	title := x.text(x.d.Title, true, 26, 14, cw, 1, 0, x.primary, 4)
	height := bottomTop - top
	if x.badge != nil {
		height -= 32
	}
	bs = append(bs, x.main(cw, height, title, 32, 22, x.accent)...)
	x.column(bs, cx, cw, top, bottomTop, center)

	// The bottom row: dates, signature, QR code.
	x.dates(24, bottomTop+6, 62, left, false)
	x.signatureBlock(w/2, bottomTop+4, 70, x.accent)
	qs := 32.0
	x.qr(qr, w-22-qs, bottomTop+10, qs)
	x.verifyText(w-22-qs-62, bottomTop+14, 58, right, gray)
}

func (x *certificate) modern(qr share.QRMatrix) {
	w, h := x.w, x.h
	p := x.pdf
	const band = 92.0
	p.SetFillColor(int(x.primary.r), int(x.primary.g), int(x.primary.b))
	p.Rect(0, 0, band, h, "F")
	p.SetFillColor(int(x.accent.r), int(x.accent.g), int(x.accent.b))
	p.Rect(band, 0, 2.2, h, "F")

	y := 22.0
	if x.badge != nil {
		x.image("badge", x.badge, 18, y, band-36, 52, center)
		y += 58
	}
	if x.logo != nil {
		p.SetFillColor(255, 255, 255)
		p.RoundedRect(18, y, band-36, 22, 2.5, "1234", "F")
		x.image("logo", x.logo, 21, y+2.5, band-42, 17, center)
		y += 27
	}
	qs := 36.0
	qy := h - 20 - qs - 14
	if x.issuer != "" {
		f := x.fit(x.issuer, true, 12, 8, band-24, 3, qy-8-y)
		x.drawFitted(12, y+f.size*ptToMM, band-24, f, textStyle{bold: true, color: white}, center)
	}
	p.SetFillColor(255, 255, 255)
	p.RoundedRect(band/2-qs/2-3, qy-3, qs+6, qs+6, 2.5, "1234", "F")
	x.qr(qr, band/2-qs/2, qy, qs)
	x.verifyText(10, qy+qs+8, band-20, center, white)

	cx, cw := band+18, w-band-18-20
	top, bottomTop := 20.0, h-62
	title := x.text(strings.ToUpper(x.d.Title), true, 13, 9, cw, 1, 0, x.accent, 0)
	x.column(x.main(cw, bottomTop-top, title, 36, 24, x.primary), cx, cw, top, bottomTop, left)
	p.SetDrawColor(int(x.accent.r), int(x.accent.g), int(x.accent.b))
	p.SetLineWidth(0.3)
	p.Line(cx, bottomTop+2, cx+cw, bottomTop+2)
	x.dates(cx, bottomTop+12, 60, left, false)
	x.signatureBlock(cx+cw-36, bottomTop+8, 72, x.primary)
}

func (x *certificate) minimal(qr share.QRMatrix) {
	w, h := x.w, x.h
	p := x.pdf
	p.SetFillColor(int(x.primary.r), int(x.primary.g), int(x.primary.b))
	p.Rect(0, 0, w, 4, "F")

	cx, cw := 28.0, w-56
	top := 20.0
	headW := cw
	if x.logo != nil {
		x.image("logo", x.logo, cx+cw-44, top, 44, 18, right)
		headW -= 50
	}
	textX := cx
	if x.badge != nil {
		x.image("badge", x.badge, cx, top, 26, 26, left)
		textX += 32
		headW -= 32
	}
	if x.issuer != "" {
		f := x.fit(x.issuer, true, 13, 9, headW, 2, 0)
		x.drawFitted(textX, top+13-f.height()/2+f.size*ptToMM*0.8, headW, f, textStyle{bold: true, color: x.primary}, left)
	}
	bottomTop := h - 50
	title := x.text(strings.ToUpper(x.d.Title), true, 11, 8, cw, 1, 0, x.accent, 0)
	x.column(x.main(cw*0.85, bottomTop-4-(top+34), title, 32, 22, x.primary), cx, cw*0.85, top+34, bottomTop-4, left)

	p.SetDrawColor(220, 220, 220)
	p.SetLineWidth(0.25)
	p.Line(cx, bottomTop, cx+cw, bottomTop)
	x.dates(cx, bottomTop+9, 60, left, false)
	x.signatureBlock(cx+cw/2-5, bottomTop+5, 66, gray)
	qs := 28.0
	x.qr(qr, cx+cw-qs, bottomTop+6, qs)
	x.verifyText(cx+cw-qs-58, bottomTop+10, 54, right, gray)
}
