package admin

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/certificate"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/web"
)

// certificateForm is the PDF certificate design of an achievement, as the
// achievement page's second form shows and posts it.
type certificateForm struct {
	AchievementID string
	Layouts       []certificate.Layout
	Layout        string
	Title         string
	Primary       string
	Accent        string
	SignatureID   string // the current signature image, "" for none
	SignatoryName string
	SignatoryRole string
	Default       bool // staff never set a design
	Errors        fieldErrors
	// Limits, for the inputs' maxlength.
	MaxTitle, MaxSignatory int
}

// certificateFields maps the service's field names to the form's.
var certificateFields = map[string]string{
	"layout": "certLayout", "title": "certTitle", "primaryColor": "certPrimary", "accentColor": "certAccent",
	"signatoryName": "signatoryName", "signatoryTitle": "signatoryTitle", "signatureImageId": "signature",
}

// newCertificateForm fills the form from the stored design.
func (h *Handler) newCertificateForm(ctx context.Context, orgID, achievementID string) (*certificateForm, error) {
	t, err := h.svc.CertificateTemplate(ctx, orgID, achievementID)
	if err != nil {
		return nil, err
	}
	f := &certificateForm{AchievementID: achievementID, Layouts: certificate.Layouts, Layout: t.Layout, Title: t.Title,
		Primary: t.PrimaryColor, Accent: t.AccentColor, SignatureID: t.SignatureImageID, SignatoryName: t.SignatoryName,
		SignatoryRole: t.SignatoryTitle, Default: t.UpdatedAt.IsZero(), MaxTitle: certificate.MaxTitleLength, MaxSignatory: certificate.MaxSignatoryLength}
	if f.Layout == "" {
		f.Layout = string(certificate.Classic)
	}
	if f.Primary == "" {
		f.Primary = certificate.DefaultPrimary
	}
	if f.Accent == "" {
		f.Accent = certificate.DefaultAccent
	}
	return f, nil
}

// certificateSave saves the certificate design posted from the achievement
// page: POST /admin/achievements/{id}/certificate.
func (h *Handler) certificateSave(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	ctx := r.Context()
	ach, err := h.store.Achievement(ctx, a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	cf, err := h.newCertificateForm(ctx, a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	cf.Layout, cf.Title, cf.Primary, cf.Accent = v("certLayout"), v("certTitle"), v("certPrimary"), v("certAccent")
	cf.SignatoryName, cf.SignatoryRole = v("signatoryName"), v("signatoryTitle")
	if r.PostFormValue("removeSignature") != "" {
		cf.SignatureID = ""
	}
	var sig *badgeimg.Image
	if file, _, err := r.FormFile("signature"); err == nil {
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, badgeMaxUpload+1))
		switch {
		case err != nil:
			cf.Errors = cf.Errors.add("signature", "The file could not be read. Choose it again.")
		case len(data) > badgeMaxUpload:
			cf.Errors = cf.Errors.add("signature", "The file is larger than 2 MiB.")
		case len(data) > 0:
			img, err := badgeimg.Validate(data, "image/png")
			if err != nil || img.Format != badgeimg.PNG {
				cf.Errors = cf.Errors.add("signature", "Choose a PNG image of the signature (a transparent background prints best).")
			} else {
				sig = &img
			}
		}
	}
	in := issuing.CertificateInput{Layout: cf.Layout, Title: cf.Title, PrimaryColor: cf.Primary, AccentColor: cf.Accent,
		SignatureImageID: cf.SignatureID, SignatoryName: cf.SignatoryName, SignatoryTitle: cf.SignatoryRole}
	if !cf.Errors.Any() {
		// Checked before the signature is stored, so that a mistake
		// leaves no stray image behind.
		if err := in.Design().Validate(); err == nil && sig != nil {
			if in.SignatureImageID, err = h.saveImage(ctx, a.Org.ID, sig); err != nil {
				h.fail(w, r, a, err)
				return
			}
		}
		if _, err := h.svc.SetCertificateTemplate(ctx, a.Org.ID, id, in); err != nil {
			fe, ok := fromError(err, certificateFields)
			if !ok {
				h.fail(w, r, a, err)
				return
			}
			cf.Errors = fe
		}
	}
	if cf.Errors.Any() {
		f, err := h.editForm(ctx, a, ach)
		if err != nil {
			h.fail(w, r, a, err)
			return
		}
		f.Cert = cf
		h.showAchievementForm(w, r, a, http.StatusBadRequest, f, "")
		return
	}
	h.redirect(w, r, "/admin/achievements/"+id+"?done=certificate#certificate")
}

// certificatePreview serves a sample certificate of the achievement in
// its design: GET /admin/achievements/{id}/certificate.pdf?size=a4|letter.
func (h *Handler) certificatePreview(w http.ResponseWriter, r *http.Request, a *actor) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	ctx := r.Context()
	ach, err := h.store.Achievement(ctx, a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	t, err := h.svc.CertificateTemplate(ctx, a.Org.ID, id)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	is, err := h.store.Issuer(ctx, a.Org.ID, ach.IssuerID)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	png := func(id string) []byte {
		if id == "" {
			return nil
		}
		img, err := h.store.Image(ctx, a.Org.ID, id)
		if err != nil || img.ContentType != "image/png" {
			return nil
		}
		return img.Data
	}
	now := h.now()
	c := &certificate.Certificate{
		Design: web.DesignOf(t), Size: certificate.A4,
		RecipientName: "Alex Sample", AchievementName: ach.Name, AchievementType: humanAchievementType(ach.AchievementType),
		Description: ach.Description, IssuerName: is.Name, Awarded: now,
		Note: "Sample: each learner's certificate shows their own name, dates and link.",
		URL:  h.svc.AchievementURL(ach.ID), Language: ach.InLanguage, Created: now,
		Badge: png(ach.ImageID), Logo: png(is.ImageID), Signature: png(t.SignatureImageID),
	}
	if strings.EqualFold(r.URL.Query().Get("size"), "letter") {
		c.Size = certificate.Letter
	}
	if ach.ValidFor > 0 {
		c.ValidUntil = now.AddDate(0, ach.ValidFor, 0)
	}
	if c.Badge == nil {
		if c.Badge, err = web.GeneratedBadgePNG(ach.ID, ach.Name, is.Name); err != nil {
			h.fail(w, r, a, cairn.Wrapf(cairn.Internal, err, "drawing the badge"))
			return
		}
	}
	pdf, err := certificate.Render(c)
	if err != nil {
		h.fail(w, r, a, cairn.Wrapf(cairn.Internal, err, "the sample certificate"))
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": "sample-certificate.pdf"}))
	w.Header().Set("Last-Modified", now.UTC().Format(time.RFC1123))
	_, _ = w.Write(pdf)
}

// humanAchievementType names an achievement type in words: MicroCredential
// is "Micro Credential".
func humanAchievementType(t string) string {
	t = strings.TrimPrefix(t, "ext:")
	var b strings.Builder
	for i, r := range t {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
