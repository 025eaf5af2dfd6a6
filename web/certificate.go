package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/certificate"
	"github.com/cairn-badges/cairn/i18n"
)

// typePDF is the media type of certificates.
const typePDF = "application/pdf"

// certificateFile is a rendered certificate, as served.
type certificateFile struct {
	data        []byte
	disposition string
}

// letterRegions are the regions whose paper is US Letter (the rest of the
// world uses A4).
var letterRegions = map[string]bool{"US": true, "CA": true, "MX": true, "PH": true, "CL": true, "CO": true,
	"VE": true, "GT": true, "CR": true, "PA": true, "DO": true, "PR": true, "SV": true, "NI": true, "BZ": true}

// paperSize returns the paper of a certificate request: ?size=a4|letter,
// else Letter when the reader's first language names a Letter region
// (en-US, es-MX, fr-CA …), else A4. ok is false for a size it does not
// know.
func paperSize(r *http.Request) (size certificate.Size, fromLocale, ok bool) {
	switch s := strings.ToLower(r.URL.Query().Get("size")); s {
	case "a4":
		return certificate.A4, false, true
	case "letter":
		return certificate.Letter, false, true
	case "":
	default:
		return "", false, false
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err == nil && len(tags) > 0 {
		if reg, conf := tags[0].Region(); conf == language.Exact && letterRegions[reg.String()] {
			return certificate.Letter, true, true
		}
	}
	return certificate.A4, true, true
}

// certificatePDF serves GET /credentials/{id}.pdf: the award's printable
// certificate, in the design its achievement's staff chose. A revoked
// credential has none (410 Gone, with a page saying so), nor a suspended
// one while it is suspended (409); an expired one says so on the page.
// Certificates are cached per award version, design version, issuer
// version and paper size.
func (p *Public) certificatePDF(w http.ResponseWriter, r *http.Request, head *cairn.Award) {
	size, _, ok := paperSize(r)
	if !ok {
		p.writeError(w, r, http.StatusBadRequest, "size: use a4 or letter (or leave it out for the paper of your language's region).")
		return
	}
	pageURL := p.svc.CredentialURL(head.ID)
	switch head.State {
	case cairn.StateRevoked:
		p.writeError(w, r, http.StatusGone, "This credential was revoked by its issuer on %s. It is no longer valid, so there is no certificate of it to print. Its page, %s, says what the issuer published about it.",
			head.UpdatedAt, pageURL)
		return
	case cairn.StateSuspended:
		p.writeError(w, r, http.StatusConflict, "This credential is suspended by its issuer: it is not valid while suspended, so there is no certificate of it to print for now. Its page, %s, says more.", pageURL)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), buildTimeout)
	defer cancel()
	now := p.now()
	achID, err := p.awardAchievement(ctx, head.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	tpl, err := p.certificateTemplate(ctx, achID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	issuer, err := p.store.PublicIssuer(ctx, head.IssuerID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	lang, err := p.certificateLang(ctx, r, issuer)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	expired := head.ValidUntil != nil && !head.ValidUntil.After(now)
	key := strings.Join([]string{version(head), string(size), strconv.FormatInt(tpl.UpdatedAt.UnixNano(), 36),
		strconv.FormatInt(issuer.UpdatedAt.UnixNano(), 36), strconv.FormatBool(expired), string(lang)}, "-")
	f, err := p.certificates.get(key, now, func() (certificateFile, time.Time, error) {
		aw, err := p.store.PublicAward(ctx, head.ID)
		if err != nil {
			return certificateFile{}, time.Time{}, err
		}
		data, err := p.renderCertificate(ctx, aw, tpl, issuer, size, lang, now)
		if err != nil {
			return certificateFile{}, time.Time{}, err
		}
		c, _ := parseCredential(aw)
		name := strings.TrimSuffix(filename(c, aw, ".pdf"), ".pdf") + "-certificate.pdf"
		return certificateFile{data: data, disposition: mime.FormatMediaType("inline", map[string]string{"filename": name})}, now.Add(bakedTTL), nil
	})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	// The wording follows ?lang=, the cookie and Accept-Language; the
	// paper follows Accept-Language too.
	h.Add("Vary", "Accept-Language, Cookie")
	h.Set("Content-Type", typePDF)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", bakedCache)
	h.Set("Content-Disposition", f.disposition)
	sum := sha256.Sum256([]byte(key))
	serveBytes(w, r, `"pdf-`+hex.EncodeToString(sum[:12])+`"`, f.data)
}

// certificateLang is the language of a certificate's wording: the
// reader's (see i18n.Negotiate), else the issuing organization's default.
func (p *Public) certificateLang(ctx context.Context, r *http.Request, issuer *cairn.Issuer) (i18n.Lang, error) {
	fallback := i18n.English
	if issuer.OrgID != "" {
		org, err := p.store.Organization(ctx, issuer.OrgID)
		switch {
		case cairn.KindOf(err) == cairn.NotFound:
		case err != nil:
			return "", err
		default:
			if l, ok := i18n.Parse(org.DefaultLanguage); ok {
				fallback = l
			}
		}
	}
	return i18n.Negotiate(r, fallback), nil
}

// awardAchievement returns the achievement of an award, read once per
// award (it never changes).
func (p *Public) awardAchievement(ctx context.Context, awardID string) (string, error) {
	return p.achievementOf.get(awardID, p.now(), func() (string, time.Time, error) {
		aw, err := p.store.PublicAward(ctx, awardID)
		if err != nil {
			return "", time.Time{}, err
		}
		return aw.AchievementID, p.now().Add(24 * time.Hour), nil
	})
}

// certificateTemplate returns the achievement's certificate design, or
// the default one (a zero UpdatedAt) when it has none or the store keeps
// none.
func (p *Public) certificateTemplate(ctx context.Context, achievementID string) (*cairn.CertificateTemplate, error) {
	cs, ok := p.store.(cairn.CertificateStore)
	if !ok {
		return &cairn.CertificateTemplate{AchievementID: achievementID}, nil
	}
	t, err := cs.PublicCertificateTemplate(ctx, achievementID)
	if cairn.KindOf(err) == cairn.NotFound {
		return &cairn.CertificateTemplate{AchievementID: achievementID}, nil
	}
	return t, err
}

// DesignOf returns the certificate design of a template.
func DesignOf(t *cairn.CertificateTemplate) certificate.Design {
	return certificate.Design{Layout: certificate.Layout(t.Layout), Title: t.Title, Primary: t.PrimaryColor, Accent: t.AccentColor,
		SignatoryName: t.SignatoryName, SignatoryTitle: t.SignatoryTitle}
}

// pngImage returns the image id of this server as a PNG, or nil when it
// is none, missing, or not a PNG (certificates draw PNGs only).
func (p *Public) pngImage(ctx context.Context, id string) ([]byte, error) {
	if id == "" {
		return nil, nil
	}
	img, err := p.store.PublicImage(ctx, id)
	switch {
	case cairn.KindOf(err) == cairn.NotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case img.ContentType != typePNG:
		return nil, nil
	}
	return img.Data, nil
}

// renderCertificate draws an award's certificate.
func (p *Public) renderCertificate(ctx context.Context, aw *cairn.Award, tpl *cairn.CertificateTemplate, issuer *cairn.Issuer, size certificate.Size,
	lang i18n.Lang, now time.Time) ([]byte, error) {
	c, err := parseCredential(aw)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "the stored credential of award %s", aw.ID)
	}
	a := c.CredentialSubject.Achievement
	name, desc, _ := a.Localized(string(lang))
	cert := &certificate.Certificate{
		Design: DesignOf(tpl), Size: size,
		AchievementName: name, AchievementType: humanType(a.AchievementType), Description: desc,
		IssuerName: firstNonEmpty(c.Issuer.Name, issuer.Name),
		Awarded:    aw.AwardedDate, URL: p.svc.CredentialURL(aw.ID),
		Language: a.InLanguage, Lang: lang, Created: aw.UpdatedAt,
	}
	if cert.Awarded.IsZero() {
		cert.Awarded = aw.ValidFrom
	}
	if aw.ValidUntil != nil {
		cert.ValidUntil = *aw.ValidUntil
		if !aw.ValidUntil.After(now) {
			cert.Note = i18n.For(lang).T("This credential expired on %s.", i18n.For(lang).Date(*aw.ValidUntil))
		}
	}
	if aw.Recipient.ShowName {
		cert.RecipientName = aw.Recipient.Name
	}
	if cert.Badge, err = p.pngImage(ctx, p.imageID(c)); err != nil {
		return nil, err
	}
	if cert.Badge == nil {
		if cert.Badge, err = design(c).PNG(bakedPNGSize); err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "drawing the badge of award %s", aw.ID)
		}
	}
	if cert.Logo, err = p.pngImage(ctx, issuer.ImageID); err != nil {
		return nil, err
	}
	if cert.Signature, err = p.pngImage(ctx, tpl.SignatureImageID); err != nil {
		return nil, err
	}
	pdf, err := certificate.Render(cert)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "the certificate of award %s", aw.ID)
	}
	return pdf, nil
}

// GeneratedBadgePNG draws the badge Cairn generates for an achievement
// without a PNG image, as certificates show it (the staff UI's preview
// uses it too).
func GeneratedBadgePNG(achievementID, name, issuerName string) ([]byte, error) {
	return designFor(achievementID, name, issuerName).PNG(bakedPNGSize)
}
