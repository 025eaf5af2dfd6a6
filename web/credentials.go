package web

import (
	"context"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/bake"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/share"
)

// Timeouts and lifetimes of credential resources.
const (
	buildTimeout   = 30 * time.Second
	bakedTTL       = 10 * time.Minute
	bakedPNGSize   = 512 // pixels, for a generated design
	bakedCache     = "public, max-age=300"
	qrCache        = "public, max-age=86400"
	maxFilenameLen = 60
)

// credential serves GET /credentials/{id} and its siblings {id}.json,
// {id}.jwt, {id}.png and {id}.svg, and the certificate {id}.pdf.
func (p *Public) credential(w http.ResponseWriter, r *http.Request) {
	id, ext := r.PathValue("id"), ""
	if i := strings.LastIndexByte(id, '.'); i >= 0 {
		id, ext = id[:i], id[i:]
	}
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	switch ext {
	case "", ".json", ".jwt", ".png", ".svg", ".pdf":
	default:
		p.NotFound(w, r)
		return
	}
	if ext == "" {
		addVary(w.Header(), "Accept")
		if negotiate(r.Header.Get("Accept"), typeHTML, typeVC, typeLD, typeJSON) == typeHTML {
			p.credentialPage(w, r, id)
			return
		}
	}
	aw, err := p.head(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	switch ext {
	case ".json":
		p.credentialJSON(w, r, aw, typeVC)
	case ".jwt":
		p.credentialJWT(w, r, aw)
	case ".png", ".svg":
		p.baked(w, r, aw, ext)
	case ".pdf":
		p.certificatePDF(w, r, aw)
	default:
		p.credentialJSON(w, r, aw, negotiate(r.Header.Get("Accept"), typeHTML, typeVC, typeLD, typeJSON))
	}
}

// head reads what the cached representations of an award need (see
// cairn.PageStore.PublicAwardHead); full reads the whole award, to render
// or bake it.
func (p *Public) head(ctx context.Context, id string) (*cairn.Award, error) {
	if p.pageStore != nil {
		return p.pageStore.PublicAwardHead(ctx, id)
	}
	return p.store.PublicAward(ctx, id)
}

// version names one version of an award, for cache keys and ETags.
func version(aw *cairn.Award) string {
	return aw.ID + "-" + strconv.FormatInt(aw.UpdatedAt.UnixNano(), 36)
}

// credentialJSON answers the exact stored signed JSON.
func (p *Public) credentialJSON(w http.ResponseWriter, r *http.Request, aw *cairn.Award, ctype string) {
	h := w.Header()
	setJSONHeaders(h, ctype)
	h["Cache-Control"] = hdrPageCache
	tag := jsonTag(ctype)
	serveEncoded(w, r, p.repr(reprKey{aw.ID, aw.UpdatedAt.UnixNano(), tag}, aw.CredentialJSON,
		func() string { return `"` + version(aw) + "-" + tag + `"` }))
}

// credentialJWT answers the VC-JWT, or 404 when the award was not issued
// as one.
func (p *Public) credentialJWT(w http.ResponseWriter, r *http.Request, aw *cairn.Award) {
	if aw.CredentialJWT == "" {
		p.writeError(w, r, http.StatusNotFound, "This credential was not issued as a VC-JWT. Its signed JSON is at the same address with .json.")
		return
	}
	h := w.Header()
	setJSONHeaders(h, typeJWT)
	h["Cache-Control"] = hdrPageCache
	serveEncoded(w, r, p.reprString(reprKey{aw.ID, aw.UpdatedAt.UnixNano(), "jwt"}, aw.CredentialJWT,
		func() string { return `"` + version(aw) + `-jwt"` }))
}

// bakePayload is what a baked image carries: the signed JSON, or the JWT
// when the award was issued only as a VC-JWT.
func bakePayload(aw *cairn.Award) []byte {
	if aw.CredentialJWT != "" && !slices.Contains(aw.Formats, cairn.FormatDataIntegrity) {
		return []byte(aw.CredentialJWT)
	}
	return aw.CredentialJSON
}

// bakedFile is a credential baked into its badge image, as served.
type bakedFile struct {
	rp          *repr    // gzip only for SVG (PNG is compressed already)
	disposition []string // the Content-Disposition value
}

// baked answers the credential baked into its badge image, as an attachment.
func (p *Public) baked(w http.ResponseWriter, r *http.Request, head *cairn.Award, ext string) {
	now := p.now()
	f, err := p.bakedFiles.get(version(head)+ext, now, func() (bakedFile, time.Time, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), buildTimeout)
		defer cancel()
		aw, err := p.store.PublicAward(ctx, head.ID)
		if err != nil {
			return bakedFile{}, time.Time{}, err
		}
		data, err := p.bake(ctx, aw, ext)
		if err != nil {
			return bakedFile{}, time.Time{}, err
		}
		c, _ := parseCredential(aw)
		f := bakedFile{disposition: []string{mime.FormatMediaType("attachment", map[string]string{"filename": filename(c, aw, ext)})}}
		etag := `"` + version(head) + ext + `"`
		if ext == ".svg" {
			f.rp = bodyRepr(etag, data)
		} else {
			length := []string{strconv.Itoa(len(data))}
			f.rp = newRepr(etag, nil, func() ([]byte, []string) { return data, length })
		}
		return f, now.Add(bakedTTL), nil
	})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	if ext == ".svg" {
		setContentType(h, typeSVG)
	} else {
		setContentType(h, typePNG)
	}
	h["Content-Security-Policy"] = hdrImageCSP
	h["X-Content-Type-Options"] = hdrNosniff
	h["Cache-Control"] = hdrBakedCache
	h["Access-Control-Allow-Origin"] = hdrAnyOrigin
	h["Content-Disposition"] = f.disposition
	serveEncoded(w, r, f.rp)
}

// jsonTag names the JSON representation of a media type in ETags: the
// same bytes under another Content-Type are another representation.
func jsonTag(ctype string) string {
	switch ctype {
	case typeLD:
		return "ld"
	case typeJSON:
		return "json"
	}
	return "vc"
}

// parseCredential decodes the stored credential; the zero credential when
// it cannot (then pages show less, but still show).
func parseCredential(aw *cairn.Award) (*ob.OpenBadgeCredential, error) {
	var c ob.OpenBadgeCredential
	err := ob.Unmarshal(aw.CredentialJSON, &c)
	return &c, err
}

// filename is a download name for a credential file: the achievement's name
// as a slug, the start of the award ID, and ext.
func filename(c *ob.OpenBadgeCredential, aw *cairn.Award, ext string) string {
	name := c.CredentialSubject.Achievement.Name
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= maxFilenameLen {
			break
		}
	}
	slug := b.String()
	if slug == "" {
		slug = "badge"
	}
	short := aw.ID
	if len(short) > 8 {
		short = short[:8]
	}
	return slug + "-" + short + ext
}

// BakedPNG returns the award's credential baked into its badge image
// (PNG), as {base}/credentials/{id}.png serves it; the award mail attaches
// it.
func (p *Public) BakedPNG(ctx context.Context, aw *cairn.Award) ([]byte, error) {
	return p.bake(ctx, aw, ".png")
}

// bake bakes the credential into the achievement's image when it has one
// in that format, else into a generated design.
func (p *Public) bake(ctx context.Context, aw *cairn.Award, ext string) ([]byte, error) {
	c, _ := parseCredential(aw)
	payload := bakePayload(aw)
	want := typePNG
	if ext == ".svg" {
		want = typeSVG
	}
	if id := p.imageID(c); id != "" {
		img, err := p.store.PublicImage(ctx, id)
		switch {
		case err == nil && img.ContentType == want:
			out, err := bake.Bake(img.Data, payload)
			if err == nil {
				return out, nil
			}
			p.log.Warn("baking into the achievement image; using a generated design", "award", aw.ID, "image", id, "err", err)
		case err != nil && cairn.KindOf(err) != cairn.NotFound:
			return nil, err
		}
	}
	d := design(c)
	if ext == ".svg" {
		return bake.BakeSVG(d.SVG(), payload)
	}
	img, err := d.PNG(bakedPNGSize)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "drawing the badge of award %s", aw.ID)
	}
	return bake.BakePNG(img, payload)
}

// imageID returns the ID of this server's image the credential shows (its
// achievement's image, or else its own), or "".
func (p *Public) imageID(c *ob.OpenBadgeCredential) string {
	prefix := p.svc.ImageURL("")
	for _, img := range []*ob.Image{c.CredentialSubject.Achievement.Image, c.Image} {
		if img != nil && strings.HasPrefix(img.ID, prefix) {
			if id := strings.TrimPrefix(img.ID, prefix); validID(id) {
				return id
			}
		}
	}
	return ""
}

// clip shortens s to at most n characters, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// credentialQR serves the QR code of a credential's URL.
func (p *Public) credentialQR(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID(id) {
		p.NotFound(w, r)
		return
	}
	aw, err := p.head(r.Context(), id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data, err := p.qrSVG(aw.ID)
	if err != nil {
		p.fail(w, r, cairn.Wrapf(cairn.Internal, err, "QR code"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", typeSVG)
	h.Set("Content-Security-Policy", imageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", qrCache)
	serveBytes(w, r, `"qr-`+aw.ID+`"`, data)
}

// qrSVG returns the QR code of a credential's URL, built once per award
// (drawing it is most of the cost of rendering a page).
func (p *Public) qrSVG(awardID string) ([]byte, error) {
	return p.files.get("qr:"+awardID, p.now(), func() ([]byte, time.Time, error) {
		svg, err := share.QRCodeSVG(p.svc.CredentialURL(awardID))
		return svg, p.now().Add(bakedTTL), err
	})
}

// credentialPage serves the credential page of the award's current version
// (see pages.go): from memory (without reading the award when the store's
// watch vouches that it has not changed since the page's head was read) or
// the store, rendered on the spot only when neither has it. ?checked=T
// (where "Check again" sends the browser) asks for a page checked at T or
// later: the memory tier is then skipped for an older page, in case
// another replica made the new one. The page is in the reader's language,
// else the issuing organization's default (see pages.go).
func (p *Public) credentialPage(w http.ResponseWriter, r *http.Request, id string) {
	now := p.now()
	var notBefore time.Time
	if r.URL.RawQuery != "" {
		if v := r.URL.Query().Get("checked"); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				notBefore = time.Unix(n, 0)
			}
		}
	}
	want, asked := i18n.Preference(r)
	pg := p.memPages(id, nil, want, asked, now, notBefore)
	if pg == nil {
		read := time.Now()
		aw, err := p.head(r.Context(), id)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if pg = p.memPages(id, aw, want, asked, now, notBefore); pg == nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), buildTimeout)
			defer cancel()
			if pg, err = p.viewPage(ctx, aw, want, asked, now, notBefore); err != nil {
				p.fail(w, r, err)
				return
			}
		}
		pg.sawHead(aw, read)
	}
	i18n.Remember(w, r)
	h := w.Header()
	setPageHeaders(h)
	h["Vary"] = hdrVaryLang
	h["Cache-Control"] = hdrHTMLCache
	serveEncoded(w, r, pg.rp)
}

// credentialPageModel fills the credential page of an award, in l.
func (p *Public) credentialPageModel(ctx context.Context, aw *cairn.Award, l *i18n.Printer, now time.Time) (*CredentialPage, error) {
	c, err := parseCredential(aw)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "the stored credential of award %s", aw.ID)
	}
	pageURL := p.svc.CredentialURL(aw.ID)
	pg := NewCredentialPage(c, pageURL, l)
	pg.IssuerURL = p.path("/issuers/" + aw.IssuerID)
	pg.AchievementURL = p.path("/achievements/" + aw.AchievementID)
	base := p.path("/credentials/" + aw.ID)
	pg.JSONURL, pg.PNGURL, pg.SVGURL = base+".json", base+".png", base+".svg"
	if aw.CredentialJWT != "" {
		pg.JWTURL = base + ".jwt"
	}
	pg.CLRURL = p.clrURL(ctx, aw)
	pg.ImageURL = pg.SVGURL
	if id := p.imageID(c); id != "" {
		pg.ImageURL = p.path("/images/" + id)
	}
	if aw.Recipient.ShowName {
		pg.RecipientName = aw.Recipient.Name
	}
	since := time.Time{}
	if aw.State != cairn.StateActive {
		since = aw.UpdatedAt // the state's change is the award's last
	}
	pg.SetStateSince(string(aw.State), aw.StateReason, since, aw.ValidUntil, now)
	if pg.Status != "Revoked" && pg.Status != "Suspended" {
		pg.PDFURL = base + ".pdf"
	}
	pg.Report = p.verifier.Verify(ctx, bakePayload(aw))
	pg.SetPlain(pg.Report)
	pg.CheckedAt = l.DateTime(now)
	pg.CheckedISO = now.UTC().Format(time.RFC3339)
	pg.ReverifyURL = base + "/verify"
	pg.CopyScript = copyScriptHTML

	if pg.StateBanner == "" {
		cert := share.Cert{
			Name: pg.AchievementName, OrganizationName: pg.IssuerName,
			IssueYear: aw.AwardedDate.Year(), IssueMonth: int(aw.AwardedDate.Month()),
			CertURL: pageURL, CertID: aw.ID,
		}
		// The issuer's LinkedIn company id, when it has one, links the
		// company page on the member's profile.
		if is, err := p.store.PublicIssuer(ctx, aw.IssuerID); err == nil {
			cert.OrganizationID = is.LinkedInOrgID
		} else if cairn.KindOf(err) != cairn.NotFound {
			return nil, err
		}
		if aw.AwardedDate.IsZero() {
			cert.IssueYear, cert.IssueMonth = aw.ValidFrom.Year(), int(aw.ValidFrom.Month())
		}
		if aw.ValidUntil != nil {
			cert.ExpirationYear, cert.ExpirationMonth = aw.ValidUntil.Year(), int(aw.ValidUntil.Month())
		}
		pg.LinkedInURL = share.LinkedInAddToProfileURL(cert)
		pg.LinkedInShareURL = share.LinkedInFeedShareURL(pageURL)
		pg.Embed = share.Embed{URL: pageURL, ImageURL: pageURL + ".png", Name: pg.AchievementName, IssuerName: pg.IssuerName,
			Alt: l.T("%s badge, issued by %s", pg.AchievementName, pg.IssuerName), Caption: l.T("Verify this credential")}.HTML()
	}
	// The QR code is its own (cached) image: drawing it was most of the cost
	// of a page's first rendering.
	pg.QRURL = base + "/qr.svg"

	desc := pg.AchievementDescription
	if pg.RecipientName != "" {
		desc = l.T("%s earned this %s from %s.", pg.RecipientName, strings.ToLower(l.TypeName(pg.AchievementType)), pg.IssuerName) + " " + desc
	}
	pg.Meta = share.Meta{
		Title: pg.Title, Description: desc, URL: pageURL,
		ImageURL: pageURL + ".png", ImageAlt: l.T("%s badge", pg.AchievementName), SiteName: p.siteName,
	}.Tags()
	return pg, nil
}
