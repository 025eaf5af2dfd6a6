// Package webui serves the learner's web wallet: sign up, sign in and out,
// the wallet page (claimed badges as cards, email addresses and DIDs,
// deleting the account), the email verification link (/wallet/verify) and
// the claim link mailed with an award (/claim/{token}).
//
// Pages are server-rendered with html/template from embedded files and run
// no script, as the staff pages do. The session cookie is the wallet's own
// (wallet.CookieName), HttpOnly and SameSite=Lax, __Host- over https; every
// POST carries the session's CSRF token (auth.CheckCSRF), and the sign-in
// and sign-up forms, posted before there is a session, a token that is
// also in a short-lived cookie (double submit).
//
// Pages speak the reader's language (package i18n): ?lang=, the switcher's
// cookie, Accept-Language, else English; the switcher at the foot of every
// page keeps the page's query. The service calls that send mail get the
// language in their context, so the verification mail is in it too.
package webui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/web"
)

// Handler serves the wallet pages. Create it with New.
type Handler struct {
	w        *wallet.Service
	pf       *wallet.Portfolio // nil: no portfolio, sharing or export pages
	secure   bool
	basePath string
	log      *slog.Logger
	imports  *wallet.Importer // nil: no imports (imports.go)
	review   *review.Service  // nil: no applications pages
	oauth    *oauth.Service   // nil: no OB 3.0 API consent page (oauth.go)
	// privacyURL is the privacy policy the pages link to: the operator's,
	// or "" for this package's own page (PrivacyPath).
	privacyURL string
}

// PrivacyPath is the wallet's own privacy page.
const PrivacyPath = "/privacy"

// LogoPath is Cairn's mark (SVG), for the icon of the wallet's pages and
// of the OB 3.0 API's discovery (x-imssf-image).
const LogoPath = "/wallet/assets/cairn.svg"

//go:embed static/cairn.svg
var logoSVG []byte

func (h *Handler) logo(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "image/svg+xml")
	hd.Set("Cache-Control", "public, max-age=86400")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(logoSVG)
}

// WithPrivacyPolicy makes the pages link to the operator's privacy policy
// at u instead of the wallet's own page ("" keeps it).
func (h *Handler) WithPrivacyPolicy(u string) *Handler {
	h.privacyURL = u
	return h
}

// PrivacyURL is the privacy policy the pages link to.
func (h *Handler) PrivacyURL() string {
	if h.privacyURL != "" {
		return h.privacyURL
	}
	return h.w.BaseURL() + PrivacyPath
}

type privacyPage struct{ Export bool }

func (h *Handler) privacy(w http.ResponseWriter, r *http.Request) {
	if h.privacyURL != "" {
		http.Redirect(w, r, h.privacyURL, http.StatusFound)
		return
	}
	p, _ := h.principal(r)
	h.render(w, r, http.StatusOK, "privacy.html", p, view{Title: "Privacy", Data: privacyPage{Export: p != nil && h.pf != nil}})
}

// New returns the pages of the wallet w.
func New(w *wallet.Service, log *slog.Logger) *Handler {
	h := &Handler{w: w, log: log}
	if h.log == nil {
		h.log = slog.Default()
	}
	if u, err := url.Parse(w.BaseURL()); err == nil {
		h.secure = u.Scheme == "https"
		h.basePath = strings.TrimRight(u.Path, "/")
	}
	return h
}

// maxForm caps a form's body.
const maxForm = 64 << 10

// Register adds the routes to mux (paths relative to the base URL's path,
// as for the other pages).
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /wallet/assets/wallet.css", h.stylesheet)
	mux.HandleFunc("GET "+PrivacyPath, h.privacy)
	mux.HandleFunc("GET "+LogoPath, h.logo)
	mux.HandleFunc("GET /wallet", h.home)
	mux.HandleFunc("GET /wallet/{$}", h.home)
	mux.HandleFunc("GET /wallet/signin", h.signInForm)
	mux.HandleFunc("POST /wallet/signin", h.signIn)
	mux.HandleFunc("GET /wallet/signup", h.signUpForm)
	mux.HandleFunc("POST /wallet/signup", h.signUp)
	mux.HandleFunc("GET /wallet/verify", h.verify)
	mux.Handle("POST /wallet/signout", h.post(h.signOut))
	mux.Handle("POST /wallet/emails", h.post(h.addEmail))
	mux.Handle("POST /wallet/emails/resend", h.post(h.resend))
	mux.Handle("POST /wallet/emails/remove", h.post(h.removeEmail))
	mux.Handle("POST /wallet/delete", h.post(h.deleteAccount))
	mux.HandleFunc("GET /claim/{token}", h.claimPage)
	mux.Handle("POST /claim/{token}", h.post(h.claim))
	h.registerPortfolio(mux)
	h.registerImports(mux)
	h.registerApplications(mux)
	h.registerOAuth(mux)
	mux.HandleFunc("/wallet/", h.notFound)
}

func (h *Handler) path(p string) string { return h.basePath + p }

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/wallet.css
var walletCSS string

var stylesheet = []byte(web.Stylesheet + "\n" + walletCSS + "\n" + importCSS)

var funcs = template.FuncMap{
	// initial is the first letter of a name, for a badge without an image.
	"initial": func(s string) string {
		for _, r := range s {
			return strings.ToUpper(string(r))
		}
		return ""
	},
	// dict makes a map of key, value pairs, to pass several values to a
	// template.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

var pages = func() map[string]*template.Template {
	// templates/_*.html are partials every page may use.
	layout := template.Must(template.New("").Funcs(funcs).Funcs(importFuncs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	m := map[string]*template.Template{}
	for _, e := range names {
		if e.Name() != "layout.html" && !strings.HasPrefix(e.Name(), "_") {
			m[e.Name()] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+e.Name()))
		}
	}
	return m
}()

// view is what every page gets.
type view struct {
	Title   string
	Base    string
	Learner *store.Learner // nil when signed out
	CSRF    string
	Notice  string
	MailOff bool
	Script  string // a script file of /wallet/assets/ the page runs (CSP script-src 'self')
	FormTo  string // an origin besides 'self' the page's forms may end at (CSP form-action)
	Privacy string // the privacy policy's address
	Data    any
	// L translates the page (set by render when the handler has not).
	L *i18n.Printer
	// Langs is the language switcher at the foot of the page.
	Langs i18n.Switcher
}

const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// printer returns the language of the wallet for r: ?lang=, the
// switcher's cookie, Accept-Language, then English.
func (h *Handler) printer(r *http.Request) *i18n.Printer {
	return i18n.For(i18n.Negotiate(r, ""))
}

// t translates key (a fmt format with args) into the language of r; the
// empty key stays empty (no notice).
func (h *Handler) t(r *http.Request, key string, args ...any) string {
	if key == "" {
		return ""
	}
	return h.printer(r).T(key, args...)
}

// ctx is the context of r with its language, for the service calls that
// send mail (the verification link).
func (h *Handler) ctx(r *http.Request) context.Context {
	return i18n.NewContext(r.Context(), h.printer(r).Lang)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *wallet.Principal, v view) {
	v.Base, v.MailOff, v.Privacy = h.basePath, h.w.MailOff(), h.PrivacyURL()
	if v.L == nil {
		v.L = h.printer(r)
	}
	v.Langs = i18n.SwitcherFor(r, v.L)
	if p != nil {
		v.Learner, v.CSRF = p.Learner, p.Session.CSRFToken
	}
	var b bytes.Buffer
	if err := pages[name].ExecuteTemplate(&b, name, v); err != nil {
		h.log.Error("wallet: render", "template", name, "err", err)
		fail500.Record(r, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	policy := csp
	if v.FormTo != "" {
		policy = strings.Replace(policy, "form-action 'self'", "form-action 'self' "+v.FormTo, 1)
	}
	if v.Script != "" {
		policy += "; script-src 'self'"
	}
	hd.Set("Content-Security-Policy", policy)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	// Claim and verification links carry tokens: never send them on.
	hd.Set("Referrer-Policy", "no-referrer")
	i18n.Remember(w, r)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func (h *Handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(stylesheet)
}

// message is the data of the message page.
type message struct {
	Heading, Text  string
	Link, LinkText string
}

// message answers the message page; heading and text are keys of the
// catalog, translated.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, status int, p *wallet.Principal, heading, text string) {
	h.say(w, r, status, p, heading, h.t(r, text))
}

// say is message with a text of its own (translated, or the public
// message of an error); heading is translated.
func (h *Handler) say(w http.ResponseWriter, r *http.Request, status int, p *wallet.Principal, heading, text string) {
	link, linkText := h.path("/wallet"), h.t(r, "Open my wallet")
	if p == nil {
		link, linkText = h.path("/wallet/signin"), h.t(r, "Sign in")
	}
	heading = h.t(r, heading)
	h.render(w, r, status, "message.html", p, view{Title: heading, Data: message{heading, text, link, linkText}})
}

// fail answers an error that is not about a form field.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p *wallet.Principal, err error) {
	var rl *wallet.RateLimitError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", "60")
		h.message(w, r, http.StatusTooManyRequests, p, "Too many tries", "Wait a minute, then try again.")
	case cairn.KindOf(err) == cairn.NotFound:
		h.say(w, r, http.StatusNotFound, p, "Not found", cairn.PublicMessage(err))
	case cairn.KindOf(err) == cairn.Invalid, cairn.KindOf(err) == cairn.Conflict, cairn.KindOf(err) == cairn.Forbidden:
		h.say(w, r, statusOf(err), p, "That did not work", cairn.PublicMessage(err))
	case cairn.KindOf(err) == cairn.Unavailable:
		w.Header().Set("Retry-After", "5")
		h.message(w, r, http.StatusServiceUnavailable, p, "Busy", "The service is busy. Try again in a few seconds.")
	default:
		h.log.Error("wallet", "path", r.URL.Path, "err", err)
		fail500.Record(r, err)
		h.message(w, r, http.StatusInternalServerError, p, "Something went wrong", "Something went wrong on our side. Try again later.")
	}
}

func statusOf(err error) int {
	switch cairn.KindOf(err) {
	case cairn.Invalid:
		return http.StatusBadRequest
	case cairn.Conflict:
		return http.StatusConflict
	case cairn.Forbidden:
		return http.StatusForbidden
	case cairn.Unauthorized:
		return http.StatusUnauthorized
	case cairn.NotFound:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	p, _ := h.principal(r)
	h.message(w, r, http.StatusNotFound, p, "Not found", "There is no page here.")
}

// Sessions

func (h *Handler) cookieName() string { return wallet.CookieName(h.secure) }

func (h *Handler) formCookie() string {
	if h.secure {
		return "__Host-cairn_wallet_form"
	}
	return "cairn_wallet_form"
}

// principal returns the signed-in learner, or nil.
func (h *Handler) principal(r *http.Request) (*wallet.Principal, error) {
	ck, err := r.Cookie(h.cookieName())
	if err != nil {
		return nil, nil
	}
	p, err := h.w.Authenticate(r.Context(), store.LearnerWebSession, ck.Value)
	if cairn.KindOf(err) == cairn.Unauthorized {
		return nil, nil
	}
	return p, err
}

func (h *Handler) setSession(w http.ResponseWriter, tok string, ls *store.LearnerSession) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: tok, Path: "/", Expires: ls.ExpiresAt,
		MaxAge: int(time.Until(ls.ExpiresAt).Seconds()), Secure: h.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(), Value: "", Path: "/", MaxAge: -1, Secure: h.secure,
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// formToken returns the token of the sign-in and sign-up forms (also in
// a cookie: double submit).
func (h *Handler) formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.formCookie()); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := auth.NewToken()
	http.SetCookie(w, &http.Cookie{Name: h.formCookie(), Value: tok, Path: "/", MaxAge: 3600, Secure: h.secure,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return tok
}

// checkForm checks the double-submit token of a form posted without a
// session.
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	c, err := r.Cookie(h.formCookie())
	if err != nil {
		return errors.New("the form had expired; try again")
	}
	if err := auth.CheckCSRF(r, &auth.Session{CSRF: c.Value}); err != nil {
		return errors.New("the form did not come from this site's page, or was too old; reload the page and try again")
	}
	return nil
}

// post wraps a form posted by a signed-in learner: body cap, session and
// CSRF check.
func (h *Handler) post(fn func(http.ResponseWriter, *http.Request, *wallet.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		p, err := h.principal(r)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		if p == nil {
			h.message(w, r, http.StatusUnauthorized, nil, "Sign in again", "Your session has ended. Sign in, then repeat what you were doing.")
			return
		}
		if err := r.ParseForm(); err != nil {
			h.message(w, r, http.StatusBadRequest, p, "Form refused", "The form could not be read. Go back, reload the page and try again.")
			return
		}
		if err := auth.CheckCSRF(r, &auth.Session{CSRF: p.Session.CSRFToken}); err != nil {
			h.message(w, r, http.StatusForbidden, p, "Request refused",
				"This form did not come from this site's page, or the page was too old. Go back, reload the page and try again.")
			return
		}
		fn(w, r, p)
	})
}

func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, p string) {
	http.Redirect(w, r, h.path(p), http.StatusSeeOther)
}

// Sign in and sign up

type authPage struct {
	Token, Next string
	Email, Name string
	Claim       bool
	Errors      map[string]string
	Error       string
}

func (h *Handler) authPage(w http.ResponseWriter, r *http.Request, next string) authPage {
	next = wallet.SafeNext(next)
	a := authPage{Token: h.formToken(w, r), Next: next, Claim: strings.HasPrefix(next, "/claim/"), Errors: map[string]string{}}
	return a
}

// after is where to go once signed in.
func after(next string) string {
	if n := wallet.SafeNext(next); n != "" {
		return n
	}
	return "/wallet"
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	if p, _ := h.principal(r); p != nil {
		h.redirect(w, r, after(r.URL.Query().Get("next")))
		return
	}
	h.render(w, r, http.StatusOK, "signin.html", nil, view{Title: h.t(r, "Sign in"), Data: h.authPage(w, r, r.URL.Query().Get("next"))})
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if err := h.checkForm(w, r); err != nil {
		a := h.authPage(w, r, "")
		a.Error = h.t(r, "The sign-in was refused: %s.", h.t(r, err.Error()))
		h.render(w, r, http.StatusForbidden, "signin.html", nil, view{Title: h.t(r, "Sign in"), Data: a})
		return
	}
	a := h.authPage(w, r, r.PostFormValue("next"))
	a.Email = strings.TrimSpace(r.PostFormValue("email"))
	l, err := h.w.SignIn(r.Context(), a.Email, r.PostFormValue("password"), clientAddr(r))
	if err != nil {
		var rl *wallet.RateLimitError
		status := statusOf(err)
		switch {
		case errors.As(err, &rl):
			status, a.Error = http.StatusTooManyRequests, h.t(r, "Too many sign-in attempts. Try again in %d seconds.", max(1, int(math.Ceil(rl.RetryAfter.Seconds()))))
			w.Header().Set("Retry-After", "30")
		case cairn.FieldOf(err) != "":
			a.Errors[cairn.FieldOf(err)] = fieldText(err)
		case cairn.KindOf(err) == cairn.Unauthorized:
			a.Error = h.t(r, "The email or the password is not right.")
		default:
			h.fail(w, r, nil, err)
			return
		}
		h.render(w, r, status, "signin.html", nil, view{Title: h.t(r, "Sign in"), Data: a})
		return
	}
	if err := h.startSession(w, r, l.ID); err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.redirect(w, r, after(a.Next))
}

func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, learnerID string) error {
	if old, _ := h.principal(r); old != nil {
		_ = h.w.SignOut(r.Context(), old)
	}
	tok, ls, err := h.w.NewSession(r.Context(), learnerID, store.LearnerWebSession)
	if err != nil {
		return err
	}
	h.setSession(w, tok, ls)
	http.SetCookie(w, &http.Cookie{Name: h.formCookie(), Value: "", Path: "/", MaxAge: -1, Secure: h.secure,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return nil
}

// fieldText is the message of a field error, without the field name.
func fieldText(err error) string {
	msg := cairn.PublicMessage(err)
	if f := cairn.FieldOf(err); f != "" {
		msg = strings.TrimPrefix(msg, f+": ")
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg + "."
}

func (h *Handler) signUpForm(w http.ResponseWriter, r *http.Request) {
	if p, _ := h.principal(r); p != nil {
		h.redirect(w, r, after(r.URL.Query().Get("next")))
		return
	}
	h.render(w, r, http.StatusOK, "signup.html", nil, view{Title: h.t(r, "Create your wallet"), Data: h.authPage(w, r, r.URL.Query().Get("next"))})
}

func (h *Handler) signUp(w http.ResponseWriter, r *http.Request) {
	if err := h.checkForm(w, r); err != nil {
		a := h.authPage(w, r, "")
		a.Error = h.t(r, "The form was refused: %s.", h.t(r, err.Error()))
		h.render(w, r, http.StatusForbidden, "signup.html", nil, view{Title: h.t(r, "Create your wallet"), Data: a})
		return
	}
	a := h.authPage(w, r, r.PostFormValue("next"))
	a.Email, a.Name = strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("name"))
	l, err := h.w.SignUp(h.ctx(r), a.Email, r.PostFormValue("password"), a.Name, a.Next, clientAddr(r))
	if err != nil {
		var rl *wallet.RateLimitError
		status := statusOf(err)
		switch {
		case errors.As(err, &rl):
			status, a.Error = http.StatusTooManyRequests, h.t(r, "Too many sign-ups from your network. Try again in a minute.")
		case cairn.FieldOf(err) != "":
			a.Errors[cairn.FieldOf(err)] = fieldText(err)
		default:
			h.fail(w, r, nil, err)
			return
		}
		h.render(w, r, status, "signup.html", nil, view{Title: h.t(r, "Create your wallet"), Data: a})
		return
	}
	if err := h.startSession(w, r, l.ID); err != nil {
		h.fail(w, r, nil, err)
		return
	}
	next := after(a.Next)
	sep := "?"
	if strings.Contains(next, "?") {
		sep = "&"
	}
	h.redirect(w, r, next+sep+"done=signedup")
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if err := h.w.SignOut(r.Context(), p); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.clearSession(w)
	h.redirect(w, r, "/wallet/signin?done=signedout")
}

func clientAddr(r *http.Request) netip.Addr {
	addr, err := auth.RemoteAddr(r)
	if err != nil {
		return netip.IPv6Unspecified() // no address: all such clients share one budget
	}
	return addr
}

// The wallet page

type homePage struct {
	Profile     *wallet.Profile
	Credentials []*wallet.Credential
	Imported    []*wallet.Imported // imports.go
	ImportError string
	Imports     bool // importing is enabled
	AnyVerified bool
	NewEmail    string
	EmailError  string
	DeleteError string
	// Applications are the learner's latest applications.
	Applications []appItem
}

// notices are the confirmations shown after a form, by ?done=.
var notices = map[string]string{
	"signedup":  "Your wallet is ready. We sent a link to your email address: open it to confirm the address.",
	"signedout": "You are signed out.",
	"claimed":   "The badge is in your wallet.",
	"added":     "Address added. Open the link we sent to it to confirm it.",
	"resent":    "We sent the link again.",
	"removed":   "Address removed.",
	"verified":  "Address confirmed: badges sent to it can now be claimed.",
	"deleted":   "The imported badge is deleted from your wallet.",
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if p == nil {
		h.redirect(w, r, "/wallet/signin")
		return
	}
	h.showHome(w, r, p, http.StatusOK, homePage{})
}

func (h *Handler) showHome(w http.ResponseWriter, r *http.Request, p *wallet.Principal, status int, hp homePage) {
	ctx := r.Context()
	prof, err := h.w.Profile(ctx, p.Learner.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	cs, err := h.w.Credentials(ctx, p.Learner.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	hp.Profile, hp.Credentials = prof, cs
	if err := h.loadImports(ctx, p, &hp); err != nil {
		h.fail(w, r, p, err)
		return
	}
	if hp.Applications, err = h.recentApplications(r, p, 5); err != nil {
		h.fail(w, r, p, err)
		return
	}
	for _, e := range prof.Emails {
		hp.AnyVerified = hp.AnyVerified || e.VerifiedAt != nil
	}
	notice := notices[r.URL.Query().Get("done")]
	if r.URL.Query().Get("done") == "signedup" && h.w.MailOff() {
		notice = "Your wallet is ready. This server sends no mail: the link that confirms your address is in the server's log."
	}
	v := view{Title: h.t(r, "My badges"), Notice: h.t(r, notice), Data: hp}
	if hp.Imports {
		v.Script = "import.js"
	}
	h.render(w, r, status, "home.html", p, v)
}

func (h *Handler) addEmail(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	email := r.PostFormValue("email")
	if err := h.w.AddEmail(h.ctx(r), p, email); err != nil {
		var rl *wallet.RateLimitError
		msg := fieldText(err)
		if errors.As(err, &rl) {
			msg = h.t(r, "Too many verification mails; try again in a few minutes.")
		} else if k := cairn.KindOf(err); k != cairn.Invalid && k != cairn.Conflict {
			h.fail(w, r, p, err)
			return
		}
		h.showHome(w, r, p, http.StatusBadRequest, homePage{NewEmail: email, EmailError: msg})
		return
	}
	h.redirect(w, r, "/wallet?done=added#emails")
}

func (h *Handler) resend(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if err := h.w.ResendVerification(h.ctx(r), p, r.PostFormValue("email")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, "/wallet?done=resent#emails")
}

func (h *Handler) removeEmail(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if err := h.w.RemoveEmail(r.Context(), p, r.PostFormValue("email")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, "/wallet?done=removed#emails")
}

func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if err := h.w.Delete(r.Context(), p.Learner.ID, r.PostFormValue("password")); err != nil {
		if k := cairn.KindOf(err); k == cairn.Invalid || k == cairn.Unauthorized {
			h.showHome(w, r, p, http.StatusBadRequest, homePage{DeleteError: fieldText(err)})
			return
		}
		h.fail(w, r, p, err)
		return
	}
	h.clearSession(w)
	h.message(w, r, http.StatusOK, nil, "Your wallet is deleted", "Your account and everything kept about it are gone. The badges stay valid with their issuers.")
}

// verify opens an email verification link.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	p, _ := h.principal(r)
	e, err := h.w.VerifyEmail(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if next := wallet.SafeNext(r.URL.Query().Get("next")); strings.HasPrefix(next, "/claim/") {
		h.redirect(w, r, next+"?done=verified")
		return
	}
	if p != nil {
		h.redirect(w, r, "/wallet?done=verified")
		return
	}
	h.say(w, r, http.StatusOK, nil, "Address confirmed", h.t(r, "%s is confirmed. Sign in to see the badges sent to it.", e))
}

// Claiming

type claimPage struct {
	Credential *wallet.Credential
	Token      string
	ClaimPath  string // /claim/{token}, where to come back to
	Mine       bool   // in the learner's wallet
	Taken      bool   // in another wallet
	Addressed  bool   // addressed to the learner's verified identity
	Unverified bool   // the learner has an unverified address
}

func (h *Handler) claimPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tok := r.PathValue("token")
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	c, err := h.w.ClaimInfo(ctx, tok)
	if cairn.KindOf(err) == cairn.NotFound {
		h.message(w, r, http.StatusNotFound, p, "This claim link is not valid",
			"Check that the whole link was copied from the email, or ask the issuer for a new one.")
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	cp := claimPage{Credential: c, Token: tok, ClaimPath: "/claim/" + tok}
	if p != nil {
		if _, err := h.w.Credential(ctx, p.Learner.ID, c.Award.ID); err == nil {
			cp.Mine = true
		} else if cairn.KindOf(err) != cairn.NotFound {
			h.fail(w, r, p, err)
			return
		}
		if !cp.Mine {
			if cp.Addressed, err = h.w.AddressedTo(ctx, p.Learner.ID, c.Award); err != nil {
				h.fail(w, r, p, err)
				return
			}
			prof, err := h.w.Profile(ctx, p.Learner.ID)
			if err != nil {
				h.fail(w, r, p, err)
				return
			}
			for _, e := range prof.Emails {
				cp.Unverified = cp.Unverified || e.VerifiedAt == nil
			}
		}
	}
	h.render(w, r, http.StatusOK, "claim.html", p, view{Title: h.t(r, "Claim your badge"), Notice: h.t(r, notices[r.URL.Query().Get("done")]), Data: cp})
}

func (h *Handler) claim(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	tok := r.PathValue("token")
	_, _, err := h.w.Claim(r.Context(), p, tok)
	switch {
	case err == nil:
		h.redirect(w, r, "/wallet?done=claimed")
	case cairn.KindOf(err) == cairn.Conflict:
		h.message(w, r, http.StatusConflict, p, "Claimed already", "This badge is in another wallet already. If that is not yours, ask its issuer for help.")
	default:
		h.fail(w, r, p, err)
	}
}
