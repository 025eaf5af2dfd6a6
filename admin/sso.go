package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/sso"
)

// This file serves single sign-on (package sso): the "Sign in with …"
// links of the login page, the sign-in and its callback, and the owners'
// page /admin/sso.

func init() {
	if _, ok := actionText[cairn.ActionManageOrganization]; !ok {
		actionText[cairn.ActionManageOrganization] = "change the organization's settings (name, language, single sign-on)"
	}
}

// registerSSO adds the single sign-on routes, when the handler has the
// service.
func (h *Handler) registerSSO(mux interface {
	Handle(string, http.Handler)
	HandleFunc(string, func(http.ResponseWriter, *http.Request))
}) {
	if h.sso == nil {
		return
	}
	mux.HandleFunc("GET /login/sso", h.ssoFind)
	mux.HandleFunc("GET /login/sso/{orgSlug}", h.ssoBegin)
	mux.HandleFunc("GET "+sso.CallbackPath, h.ssoCallback)
	mux.Handle("GET /admin/sso", h.page(cairn.ActionManageOrganization, h.ssoShow))
	mux.Handle("POST /admin/sso", h.page(cairn.ActionManageOrganization, h.ssoSave))
}

// ssoCookie carries the sealed state of one sign-in, from the click to the
// callback. SameSite=Lax: the callback is a top-level navigation from the
// provider's site.
func (h *Handler) ssoCookie() string {
	if h.cookies.Secure() {
		return "__Host-cairn_sso"
	}
	return "cairn_sso"
}

// ssoLogin is what the login page shows about single sign-on.
type ssoLogin struct {
	On      bool         // some organization signs in by single sign-on
	Buttons []sso.Button // those with a login button
}

// ssoLoginData returns the login page's single sign-on part; an error is
// logged and hides it.
func (h *Handler) ssoLoginData(ctx context.Context) ssoLogin {
	if h.sso == nil {
		return ssoLogin{}
	}
	on, bs, err := h.sso.LoginChoices(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "admin: single sign-on buttons", "err", err)
		return ssoLogin{}
	}
	return ssoLogin{On: on, Buttons: bs}
}

// ssoPasswordRefused reports, after a right password, the organizations
// that want single sign-on instead, when the account has no other.
func (h *Handler) ssoPasswordRefused(ctx context.Context, acct *cairn.Account) []sso.Button {
	if h.sso == nil {
		return nil
	}
	bs, err := h.sso.PasswordRefused(ctx, acct.ID)
	if err != nil {
		h.log.WarnContext(ctx, "admin: single sign-on check at password login", "err", err)
		return nil
	}
	return bs
}

// ssoScope drops the memberships the session may not act in: a single
// sign-on session acts in its organization only, a password session not
// in those that refuse passwords.
func (h *Handler) ssoScope(ctx context.Context, s *cairn.Session, ms []*cairn.Membership) ([]*cairn.Membership, error) {
	if h.sso == nil || len(ms) == 0 {
		return ms, nil
	}
	sc, err := h.sso.Scope(ctx, s.ID, s.AccountID)
	if err != nil {
		return nil, err
	}
	kept := sc.Filter(ms)
	if len(kept) == 0 {
		return nil, cairn.Errorf(cairn.Forbidden, "Your organization signs in with single sign-on only. Log out, then use “Sign in with …” on the login page.")
	}
	return kept, nil
}

// ssoChoice is the data of the sso.html page: where an email's domain
// signs in.
type ssoChoice struct {
	Email   string
	Buttons []sso.Button
	Next    string
}

// ssoFind sends an email address to its organization's single sign-on:
// GET /login/sso?email=ada@example.org. A form cannot redirect to another
// site under the pages' form-action 'self', so this answers a page with
// the link(s).
func (h *Handler) ssoFind(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := normalizeEmail(r.URL.Query().Get("email"))
	next := h.safeNext(r.URL.Query().Get("next"))
	p := loginPage{Email: email, Next: next, Token: h.loginToken(w, r), SSO: h.ssoLoginData(ctx)}
	switch {
	case email == "":
		p.Errors = p.Errors.add("sso-email", "Enter your email address.")
	case len(email) > MaxEmailLen || !strings.Contains(email, "@"):
		p.Errors = p.Errors.add("sso-email", "This is not an email address.")
	}
	if p.Errors != nil {
		h.render(w, r, http.StatusBadRequest, "login.html", view{Title: h.t(r, nil, "Log in"), Data: p})
		return
	}
	bs, err := h.sso.ForEmail(ctx, email)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if len(bs) == 0 {
		p.Errors = p.Errors.add("sso-email", fmt.Sprintf("No organization on this server signs in %s addresses with single sign-on. Log in with your password.",
			email[strings.LastIndexByte(email, '@')+1:]))
		h.render(w, r, http.StatusNotFound, "login.html", view{Title: h.t(r, nil, "Log in"), Data: p})
		return
	}
	h.render(w, r, http.StatusOK, "sso.html", view{Title: h.t(r, nil, "Single sign-on"), Data: ssoChoice{Email: email, Buttons: bs, Next: next}})
}

// ssoBegin starts a sign-in: it keeps the flow token in a cookie and
// sends the browser to the provider.
func (h *Handler) ssoBegin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := r.PathValue("orgSlug")
	if len(slug) > 200 {
		slug = slug[:200]
	}
	authURL, token, err := h.sso.Begin(ctx, slug, h.safeNext(r.URL.Query().Get("next")))
	if err != nil {
		h.ssoRefused(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: h.ssoCookie(), Value: token, Path: "/", MaxAge: int(sso.FlowTTL.Seconds()),
		Secure: h.cookies.Secure(), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// ssoCallback finishes a sign-in and starts a session.
func (h *Handler) ssoCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := ""
	if c, err := r.Cookie(h.ssoCookie()); err == nil {
		token = c.Value
	}
	// The flow token is good for one callback.
	http.SetCookie(w, &http.Cookie{Name: h.ssoCookie(), Value: "", Path: "/", MaxAge: -1,
		Secure: h.cookies.Secure(), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	login, err := h.sso.Finish(ctx, token, r.URL.Query())
	if err != nil {
		h.ssoRefused(w, r, err)
		return
	}
	if old, err := h.cookies.SessionHash(r); err == nil {
		if s, err := h.store.SessionByTokenHash(ctx, old.String()); err == nil {
			_ = h.store.DeleteSession(ctx, s.ID)
		}
	}
	now := h.now()
	tok, as := auth.NewSession(now)
	s := &cairn.Session{TokenHash: api.SessionTokenHash(tok), AccountID: login.Account.ID, CSRFToken: as.CSRF,
		ExpiresAt: now.Add(h.sessionTTL)}
	if err := h.sso.StartSession(ctx, s, login.Org.ID); err != nil {
		h.log.ErrorContext(ctx, "admin: creating a single sign-on session", "err", err)
		h.ssoRefused(w, r, err)
		return
	}
	h.log.InfoContext(ctx, "admin: signed in by single sign-on", "org", login.Org.ID, "account", login.Account.ID,
		"role", string(login.Role), "created", login.Created)
	h.cookies.Set(w, tok, as)
	http.SetCookie(w, &http.Cookie{Name: h.orgCookie(), Value: login.Org.ID, Path: "/", Secure: h.cookies.Secure(),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(auth.AbsoluteTimeout.Seconds())})
	http.Redirect(w, r, h.safeNext(login.Next), http.StatusSeeOther)
}

// ssoRefusal is the data of the sso_refused.html page.
type ssoRefusal struct {
	Heading, Text string
	Retry         string // the link that starts the sign-in again, if any
}

// ssoRefused answers a sign-in that did not work: the refusal's page, or
// a busy or internal error page.
func (h *Handler) ssoRefused(w http.ResponseWriter, r *http.Request, err error) {
	var rf *sso.Refusal
	status := http.StatusInternalServerError
	p := ssoRefusal{Heading: "Sign-in failed", Text: "Something went wrong on our side. Try again later."}
	switch {
	case errors.As(err, &rf):
		status, p.Heading, p.Text = rf.Status, rf.Heading, rf.Text
		if rf.Org != nil && status != http.StatusNotFound {
			p.Retry = h.path("/login/sso/" + rf.Org.Slug)
		}
	case cairn.KindOf(err) == cairn.Unavailable:
		w.Header().Set("Retry-After", "5")
		status, p.Text = http.StatusServiceUnavailable, "The service is busy. Try again in a few seconds."
	default:
		h.log.ErrorContext(r.Context(), "admin: single sign-on", "err", err)
		fail500.Record(r, err)
	}
	h.render(w, r, status, "sso_refused.html", view{Title: p.Heading, Data: p})
}

// ssoForm is the data of the sso_settings.html page.
type ssoForm struct {
	Enabled, PasswordLogin, LoginButton bool
	IssuerURL, ClientID                 string
	SecretSet                           bool
	Domains                             string // comma separated
	RoleClaim                           string
	DefaultRole                         string // "" for no access
	Mappings                            []sso.RoleMapping
	RedirectURI                         string
	LoginLink                           string
	FromSSO                             bool // the page's session came from this organization's single sign-on
	Errors                              fieldErrors
	Roles                               []cairn.Role
}

// ssoBlankRows is how many empty mapping rows the form offers.
const ssoBlankRows = 3

func (h *Handler) ssoFormOf(a *actor, c *sso.Config) ssoForm {
	f := ssoForm{RedirectURI: h.sso.RedirectURI(), LoginLink: h.sso.LoginURL(a.Org.Slug), PasswordLogin: true, LoginButton: true,
		Roles: []cairn.Role{cairn.RoleOwner, cairn.RoleIssuer, cairn.RoleAssessor, cairn.RoleViewer}, RoleClaim: "groups"}
	if c != nil {
		f.Enabled, f.PasswordLogin, f.LoginButton = c.Enabled, c.PasswordLogin, c.LoginButton
		f.IssuerURL, f.ClientID, f.SecretSet = c.IssuerURL, c.ClientID, len(c.SecretSealed) > 0
		f.Domains, f.RoleClaim, f.DefaultRole = strings.Join(c.EmailDomains, ", "), c.RoleClaim, string(c.DefaultRole)
		f.Mappings = append(f.Mappings, c.RoleMap...)
	}
	return f
}

// ssoFromHere reports whether the actor's session was started by its
// organization's single sign-on.
func (h *Handler) ssoFromHere(ctx context.Context, a *actor) bool {
	sc, err := h.sso.Scope(ctx, a.session.ID, a.Account.ID)
	return err == nil && sc.SSOOrgID == a.Org.ID
}

func (h *Handler) ssoShow(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	c, err := h.sso.Config(ctx, a.Org.ID)
	if err != nil && cairn.KindOf(err) != cairn.NotFound {
		h.fail(w, r, a, err)
		return
	}
	f := h.ssoFormOf(a, c)
	f.FromSSO = h.ssoFromHere(ctx, a)
	for range ssoBlankRows {
		f.Mappings = append(f.Mappings, sso.RoleMapping{})
	}
	notice := ""
	if r.URL.Query().Has("saved") {
		notice = h.t(r, a, "Single sign-on settings saved.")
	}
	h.render(w, r, http.StatusOK, "sso_settings.html", view{Title: h.t(r, a, "Single sign-on"), Actor: a, Nav: "sso", Notice: notice, Data: f})
}

func (h *Handler) ssoSave(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	in := sso.Input{
		Enabled:       r.PostFormValue("enabled") == "on",
		IssuerURL:     r.PostFormValue("issuer_url"),
		ClientID:      r.PostFormValue("client_id"),
		ClientSecret:  r.PostFormValue("client_secret"),
		EmailDomains:  strings.FieldsFunc(r.PostFormValue("email_domains"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }),
		RoleClaim:     r.PostFormValue("role_claim"),
		DefaultRole:   cairn.Role(r.PostFormValue("default_role")),
		PasswordLogin: r.PostFormValue("password_login") == "on",
		LoginButton:   r.PostFormValue("login_button") == "on",
	}
	for i := 0; i < sso.MaxMappings+ssoBlankRows; i++ {
		v, ok := r.PostForm["map_value_"+strconv.Itoa(i)]
		if !ok {
			break
		}
		in.RoleMap = append(in.RoleMap, sso.RoleMapping{Value: strings.Join(v, ""), Role: cairn.Role(r.PostFormValue("map_role_" + strconv.Itoa(i)))})
	}
	fromSSO := h.ssoFromHere(ctx, a)
	_, err := h.sso.Put(ctx, a.Org.ID, in, sso.PutOptions{Verified: fromSSO})
	if err == nil {
		h.redirect(w, r, "/admin/sso?saved=1")
		return
	}
	errs, ok := fromError(err, map[string]string{"issuerUrl": "issuer_url", "clientId": "client_id", "clientSecret": "client_secret",
		"emailDomains": "email_domains", "roleClaim": "role_claim", "roleMappings": "mappings", "defaultRole": "default_role",
		"passwordLogin": "password_login"})
	if !ok {
		h.fail(w, r, a, err)
		return
	}
	old, _ := h.sso.Config(ctx, a.Org.ID)
	f := h.ssoFormOf(a, nil)
	f.Enabled, f.PasswordLogin, f.LoginButton = in.Enabled, in.PasswordLogin, in.LoginButton
	f.IssuerURL, f.ClientID, f.SecretSet = in.IssuerURL, in.ClientID, old != nil && len(old.SecretSealed) > 0
	f.Domains, f.RoleClaim, f.DefaultRole = r.PostFormValue("email_domains"), in.RoleClaim, string(in.DefaultRole)
	for _, m := range in.RoleMap {
		if m.Value != "" || m.Role != "" {
			f.Mappings = append(f.Mappings, m)
		}
	}
	for range ssoBlankRows {
		f.Mappings = append(f.Mappings, sso.RoleMapping{})
	}
	f.FromSSO, f.Errors = fromSSO, errs
	h.render(w, r, http.StatusBadRequest, "sso_settings.html", view{Title: h.t(r, a, "Single sign-on"), Actor: a, Nav: "sso", Data: f})
}
