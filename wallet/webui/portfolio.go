package webui

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/share"
	"github.com/cairn-badges/cairn/wallet"
)

// The portfolio pages: the learner's settings (/wallet/portfolio: handle,
// what is shared, the export), the share page of one credential
// (/wallet/credentials/{id}/share: LinkedIn, embed snippet, link, QR
// code), the export download (/wallet/export) and the public portfolio
// (/learners/{handle}, and its signed presentation at {handle}.json).

// WithPortfolio adds the portfolio, sharing and export pages.
func (h *Handler) WithPortfolio(p *wallet.Portfolio) *Handler {
	h.pf = p
	return h
}

func (h *Handler) registerPortfolio(mux *http.ServeMux) {
	if h.pf == nil {
		return
	}
	mux.HandleFunc("GET /wallet/assets/portfolio.css", h.portfolioCSS)
	mux.HandleFunc("GET /wallet/portfolio", h.portfolioPage)
	mux.Handle("POST /wallet/portfolio", h.post(h.savePortfolio))
	mux.Handle("POST /wallet/credentials/{id}/public", h.post(h.setPublic))
	mux.HandleFunc("GET /wallet/credentials/{id}/share", h.sharePage)
	mux.HandleFunc("GET /wallet/export", h.export)
	mux.HandleFunc("GET /learners/{handle}", h.learnerPage)
	mux.HandleFunc("GET /learners/", h.publicNotFound)
	h.registerShared(mux)
}

//go:embed static/portfolio.css
var portfolioCSS []byte

func (h *Handler) portfolioCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(portfolioCSS)
}

// copyScript makes the Copy buttons work (they are hidden without it: the
// text fields can still be selected and copied by hand).
const copyScript = `document.querySelectorAll('[data-copy]').forEach(function(b){b.hidden=false;b.addEventListener('click',function(){var t=document.getElementById(b.getAttribute('data-copy'));t.select();var done=function(){b.textContent=b.getAttribute('data-copied')||'Copied'};if(navigator.clipboard){navigator.clipboard.writeText(t.value).then(done,function(){document.execCommand('copy');done()})}else{document.execCommand('copy');done()}})})`

var (
	copyScriptHTML = template.HTML("<script>" + copyScript + "</script>")
	shareCSP       = func() string {
		sum := sha256.Sum256([]byte(copyScript))
		return csp + "; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}()
	// The public portfolio may be framed (embedded in a site) and runs no
	// script.
	publicCSP = "default-src 'none'; style-src 'self'; img-src 'self' data: https:; form-action 'none'; base-uri 'none'; frame-ancestors *"
)

// headerWriter replaces headers the page renderer set, at WriteHeader.
type headerWriter struct {
	http.ResponseWriter
	set map[string]string
}

func (hw headerWriter) WriteHeader(code int) {
	for k, v := range hw.set {
		if v == "" {
			hw.Header().Del(k)
		} else {
			hw.Header().Set(k, v)
		}
	}
	hw.ResponseWriter.WriteHeader(code)
}

// signedIn returns the learner, or sends them to sign in.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) *wallet.Principal {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return nil
	}
	if p == nil {
		h.redirect(w, r, "/wallet/signin?next="+r.URL.Path)
		return nil
	}
	return p
}

type portfolioPage struct {
	Handle, Headline, Bio string
	Public, ShareAll      bool
	HasProfile            bool
	URL, JSONURL          string
	Items                 []*wallet.Item
	Errors                map[string]string
	Error                 string
	Now                   time.Time
}

func (h *Handler) portfolioPage(w http.ResponseWriter, r *http.Request) {
	p := h.signedIn(w, r)
	if p == nil {
		return
	}
	h.showPortfolio(w, r, p, http.StatusOK, nil)
}

func (h *Handler) showPortfolio(w http.ResponseWriter, r *http.Request, p *wallet.Principal, status int, form *portfolioPage) {
	ctx := r.Context()
	items, err := h.pf.Items(ctx, p.Learner.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	pg := form
	if pg == nil {
		pg = &portfolioPage{}
		pr, err := h.pf.Profile(ctx, p.Learner.ID)
		switch {
		case err == nil:
			pg.Handle, pg.Headline, pg.Bio, pg.Public, pg.ShareAll, pg.HasProfile = pr.Handle, pr.Headline, pr.Bio, pr.Public, pr.ShareAll, true
		case cairn.KindOf(err) != cairn.NotFound:
			h.fail(w, r, p, err)
			return
		}
	}
	if pg.Handle != "" && pg.HasProfile {
		pg.URL = h.pf.PortfolioURL(pg.Handle)
		pg.JSONURL = pg.URL + ".json"
	}
	pg.Items, pg.Now = items, time.Now()
	v := view{Title: h.t(r, "Portfolio and sharing"), Data: pg}
	if d := r.URL.Query().Get("done"); d == "saved" {
		v.Notice = h.t(r, "Saved.")
	}
	h.render(w, r, status, "portfolio.html", p, v)
}

func (h *Handler) savePortfolio(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	in := wallet.ProfileInput{Handle: r.PostFormValue("handle"), Headline: r.PostFormValue("headline"), Bio: r.PostFormValue("bio"),
		Public: r.PostFormValue("public") == "on", ShareAll: r.PostFormValue("shareAll") == "on"}
	if _, err := h.pf.SetProfile(r.Context(), p.Learner.ID, in); err != nil {
		var fe *cairn.Error
		if k := cairn.KindOf(err); k == cairn.Invalid || k == cairn.Conflict {
			pg := &portfolioPage{Handle: in.Handle, Headline: in.Headline, Bio: in.Bio, Public: in.Public, ShareAll: in.ShareAll,
				Errors: map[string]string{}}
			if errors.As(err, &fe) && fe.Field != "" {
				pg.Errors[fe.Field] = fe.Message
			} else {
				pg.Error = cairn.PublicMessage(err)
			}
			h.showPortfolio(w, r, p, statusOf(err), pg)
			return
		}
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, "/wallet/portfolio?done=saved")
}

func (h *Handler) setPublic(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	public := r.PostFormValue("public") == "true"
	if _, err := h.pf.SetCredentialPublic(r.Context(), p.Learner.ID, r.PathValue("id"), public); err != nil {
		h.fail(w, r, p, err)
		return
	}
	back := "/wallet/portfolio?done=saved"
	if r.PostFormValue("back") == "share" {
		back = "/wallet/credentials/" + r.PathValue("id") + "/share"
	}
	h.redirect(w, r, back)
}

type sharePage struct {
	Item          *wallet.Item
	Shareable     bool
	LinkedInAdd   string
	LinkedInShare string
	Embed         string
	EmbedHTML     template.HTML // the same snippet, for its preview
	QR            template.URL
	Script        template.HTML
	PortfolioURL  string
}

func (h *Handler) sharePage(w http.ResponseWriter, r *http.Request) {
	p := h.signedIn(w, r)
	if p == nil {
		return
	}
	items, err := h.pf.Items(r.Context(), p.Learner.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	var it *wallet.Item
	for _, x := range items {
		if x.ID == r.PathValue("id") {
			it = x
		}
	}
	if it != nil && it.Imported() {
		// Another platform's credential is shared from its issuer's
		// pages, or from the portfolio; its page here is the learner's.
		h.redirect(w, r, "/wallet/credentials/"+it.ID)
		return
	}
	if it == nil {
		h.fail(w, r, p, cairn.Errorf(cairn.NotFound, "this badge is not in your wallet"))
		return
	}
	pg := sharePage{Item: it, Script: copyScriptHTML,
		Shareable: it.State != cairn.StateRevoked && it.State != cairn.StateSuspended}
	if pr, err := h.pf.Profile(r.Context(), p.Learner.ID); err == nil && pr.Public {
		pg.PortfolioURL = h.pf.PortfolioURL(pr.Handle)
	}
	if pg.Shareable {
		pg.LinkedInAdd = share.LinkedInAddToProfileURL(certOf(it))
		pg.LinkedInShare = share.LinkedInFeedShareURL(it.URL)
		pg.Embed = share.Embed{URL: it.URL, ImageURL: it.ImageURL, Name: it.Name, IssuerName: it.IssuerName}.HTML()
		pg.EmbedHTML = template.HTML(pg.Embed) // built by share.Embed, every value escaped
		if svg, err := share.QRCodeSVG(it.URL); err == nil {
			pg.QR = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
		}
	}
	h.render(headerWriter{w, map[string]string{"Content-Security-Policy": shareCSP}}, r, http.StatusOK, "share.html", p,
		view{Title: h.t(r, "Share %s", it.Name), Data: pg})
}

// certOf is LinkedIn's Licenses & Certifications entry of a credential.
func certOf(it *wallet.Item) share.Cert {
	c := share.Cert{Name: it.Name, OrganizationName: it.IssuerName, OrganizationID: it.LinkedInOrgID,
		IssueYear: it.AwardedDate.Year(), IssueMonth: int(it.AwardedDate.Month()), CertURL: it.URL, CertID: it.ID}
	if it.ValidUntil != nil {
		c.ExpirationYear, c.ExpirationMonth = it.ValidUntil.Year(), int(it.ValidUntil.Month())
	}
	return c
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	p := h.signedIn(w, r)
	if p == nil {
		return
	}
	items, err := h.pf.Items(r.Context(), p.Learner.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Disposition", `attachment; filename="`+wallet.ExportFileName(time.Now())+`"`)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	if err := h.pf.Export(r.Context(), w, p.Learner.ID, items); err != nil {
		h.log.Error("wallet: export cut short", "learner", p.Learner.ID, "err", err)
	}
}

type learnerPage struct {
	*wallet.Public
	Meta    []share.MetaTag
	Base    string
	Now     time.Time
	Initial string
	L       *i18n.Printer
	Langs   i18n.Switcher
}

// learnerPage serves /learners/{handle} (the portfolio page) and
// /learners/{handle}.json (its signed presentation). A handle that is
// unknown or not public answers 404, the same for both.
func (h *Handler) learnerPage(w http.ResponseWriter, r *http.Request) {
	handle := r.PathValue("handle")
	if hd, ok := strings.CutSuffix(handle, ".json"); ok {
		h.presentation(w, r, hd)
		return
	}
	if _, err := wallet.CheckHandle(handle); err != nil {
		h.publicNotFound(w, r)
		return
	}
	pub, err := h.pf.PublicPortfolio(r.Context(), handle)
	if cairn.KindOf(err) == cairn.NotFound {
		h.publicNotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	name := pub.Learner.Name
	lp := h.printer(r)
	desc := pub.Profile.Headline
	if desc == "" {
		desc = pub.Profile.Bio
	}
	if desc == "" {
		desc = lp.T("Verified badges and credentials of %s", name)
	}
	img := ""
	if len(pub.Items) > 0 {
		img = pub.Items[0].ImageURL
	}
	pg := learnerPage{Public: pub, Base: h.basePath, Now: time.Now(), L: lp, Langs: i18n.SwitcherFor(r, lp),
		Meta: share.Meta{Title: lp.T("%s: badges and credentials", name), Description: desc, URL: pub.URL, ImageURL: img,
			ImageAlt: lp.T("A badge of %s", name), SiteName: "Cairn"}.Tags()}
	for _, r := range name {
		pg.Initial = strings.ToUpper(string(r))
		break
	}
	w.Header().Set("Link", `<`+pub.JSONURL+`>; rel="alternate"; type="application/vp+ld+json"`)
	h.renderPublic(w, r, "learner.html", pg, publicCSP, lp)
}

// renderPublic writes a public page of the wallet (a portfolio, a shared
// credential): cacheable for a minute, in the reader's language, framed
// as csp allows.
func (h *Handler) renderPublic(w http.ResponseWriter, r *http.Request, name string, data any, csp string, lp *i18n.Printer) {
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, name, data); err != nil {
		h.log.Error("wallet: render", "template", name, "err", err)
		fail500.Record(r, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	i18n.Remember(w, r)
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("Cache-Control", "public, max-age=60")
	hd.Set("Vary", "Accept-Language, Cookie") // the page speaks the reader's language
	hd.Set("Content-Language", lp.Code())
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	_, _ = w.Write(b.Bytes())
}

func (h *Handler) presentation(w http.ResponseWriter, r *http.Request, handle string) {
	data, err := h.pf.Presentation(r.Context(), handle)
	if cairn.KindOf(err) == cairn.NotFound {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Not Found","status":404,"detail":"no public portfolio has this address"}` + "\n"))
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/vp+ld+json")
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Cache-Control", "public, max-age=60")
	hd.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(append(data, '\n'))
}

func (h *Handler) publicNotFound(w http.ResponseWriter, r *http.Request) {
	h.message(w, r, http.StatusNotFound, nil, "Not found", "No public portfolio has this address. Its owner may have made it private, or changed its name.")
}
