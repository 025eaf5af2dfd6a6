package admin

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
)

// loginPage is the data of the login form.
type loginPage struct {
	Email  string
	Next   string
	Token  string // the form's CSRF token, also in the login cookie
	Errors fieldErrors
	Error  string // not about one field
	Out    bool   // just logged out
	Reset  bool   // password resets are offered
	SSO    ssoLogin
}

// loginCookie carries the login form's CSRF token (double submit): there
// is no session yet to hold one.
func (h *Handler) loginCookie() string {
	if h.cookies.Secure() {
		return "__Host-cairn_login"
	}
	return "cairn_login"
}

// loginToken returns the login form's token, from the cookie when the
// browser has one (several tabs share it), else a new one set in a cookie.
func (h *Handler) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.loginCookie()); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	tok := auth.NewToken()
	http.SetCookie(w, &http.Cookie{Name: h.loginCookie(), Value: tok, Path: "/", MaxAge: 3600,
		Secure: h.cookies.Secure(), HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return tok
}

// safeNext returns where to go after login: a page under /admin, or the
// dashboard. Anything else (another site, //host) is ignored.
func (h *Handler) safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") || !strings.HasPrefix(u.Path, h.path("/admin")) {
		return h.path("/admin")
	}
	return next
}

// loginForm shows the login form, or goes to the dashboard when the
// browser is logged in already.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if hash, err := h.cookies.SessionHash(r); err == nil {
		if _, err := h.store.SessionByTokenHash(r.Context(), hash.String()); err == nil {
			http.Redirect(w, r, h.safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	p := loginPage{Next: h.safeNext(r.URL.Query().Get("next")), Token: h.loginToken(w, r), Out: r.URL.Query().Has("out"), Reset: h.team != nil, SSO: h.ssoLoginData(r.Context())}
	h.render(w, r, http.StatusOK, "login.html", view{Title: h.t(r, nil, "Log in"), Data: p})
}

// MaxEmailLen caps the email typed into the login form.
const MaxEmailLen = 320

// normalizeEmail is how the login form and the store agree on an email:
// trimmed and lower-cased.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// login checks the email and password, and starts a session.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	p := loginPage{Token: h.loginToken(w, r), Reset: h.team != nil, SSO: h.ssoLoginData(ctx)}
	show := func(status int) {
		h.render(w, r, status, "login.html", view{Title: h.t(r, nil, "Log in"), Data: p})
	}
	c, err := r.Cookie(h.loginCookie())
	if err != nil {
		p.Error = "The login form had expired. Try again."
		show(http.StatusForbidden)
		return
	}
	if err := auth.CheckCSRF(r, &auth.Session{CSRF: c.Value}); err != nil {
		if isMaxBytes(err) {
			p.Error = "The form is too large."
			show(http.StatusRequestEntityTooLarge)
			return
		}
		p.Error = "The login was refused: it did not come from this site's login form. Reload the page and try again."
		show(http.StatusForbidden)
		return
	}
	p.Email, p.Next = strings.TrimSpace(r.PostFormValue("email")), h.safeNext(r.PostFormValue("next"))
	email, password := normalizeEmail(p.Email), r.PostFormValue("password")
	switch {
	case email == "":
		p.Errors = p.Errors.add("email", "Enter your email address.")
	case len(email) > MaxEmailLen || !strings.Contains(email, "@"):
		p.Errors = p.Errors.add("email", "This is not an email address.")
	}
	if password == "" {
		p.Errors = p.Errors.add("password", "Enter your password.")
	}
	if p.Errors != nil {
		show(http.StatusBadRequest)
		return
	}
	addr, err := auth.RemoteAddr(r)
	if err != nil {
		addr = netip.IPv6Unspecified() // no address: all such clients share one budget
	}
	if wait, err := h.limiter.Allow(email, addr, h.now()); err != nil {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		p.Error = fmt.Sprintf("Too many login attempts. Try again in %d s.", secs)
		show(http.StatusTooManyRequests)
		return
	}
	acct, err := h.store.AccountByEmail(ctx, email)
	switch {
	case cairn.KindOf(err) == cairn.NotFound:
		err = auth.FakeVerifyPassword(ctx, password) // as slow as a real check
	case err == nil:
		err = auth.VerifyPassword(ctx, acct.PasswordHash, password)
	}
	if err != nil {
		if !errors.Is(err, auth.ErrPasswordMismatch) && cairn.KindOf(err) != cairn.NotFound {
			if cairn.KindOf(err) == cairn.Unavailable {
				p.Error = "The service is busy. Try again in a few seconds."
				show(http.StatusServiceUnavailable)
				return
			}
			// A stored hash that does not parse, or the store failing:
			// log it, and answer as for a wrong password.
			h.log.ErrorContext(ctx, "admin: login", "err", err)
		}
		p.Error = "The email or the password is not right."
		show(http.StatusUnauthorized)
		return
	}
	h.limiter.Reset(email, addr)
	if bs := h.ssoPasswordRefused(ctx, acct); bs != nil {
		p.Error, p.SSO = "Your organization signs in with single sign-on, not with a password.", ssoLogin{On: true, Buttons: bs}
		show(http.StatusForbidden)
		return
	}

	if err := h.startSession(w, r, acct); err != nil {
		h.log.ErrorContext(ctx, "admin: creating a session", "err", err)
		p.Error = "Could not log you in because of a problem on our side. Try again later."
		show(http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

// startSession logs the browser in as acct: a new session at every login
// (the one the browser had ends), its cookie set, the login cookie
// cleared.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, acct *cairn.Account) error {
	ctx := r.Context()
	if old, err := h.cookies.SessionHash(r); err == nil {
		if s, err := h.store.SessionByTokenHash(ctx, old.String()); err == nil {
			_ = h.store.DeleteSession(ctx, s.ID)
		}
	}
	now := h.now()
	token, as := auth.NewSession(now)
	s := &cairn.Session{TokenHash: api.SessionTokenHash(token), AccountID: acct.ID, CSRFToken: as.CSRF,
		ExpiresAt: now.Add(h.sessionTTL)}
	if err := h.store.CreateSession(ctx, s); err != nil {
		return err
	}
	h.cookies.Set(w, token, as)
	http.SetCookie(w, &http.Cookie{Name: h.loginCookie(), Value: "", Path: "/", MaxAge: -1,
		Secure: h.cookies.Secure(), HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return nil
}

// checkPublicForm checks a form posted without a session (login, invitation,
// password reset) against the login cookie's token (double submit).
func (h *Handler) checkPublicForm(r *http.Request) string {
	c, err := r.Cookie(h.loginCookie())
	if err != nil {
		return "The form had expired. Reload the page and try again."
	}
	if err := auth.CheckCSRF(r, &auth.Session{CSRF: c.Value}); err != nil {
		if isMaxBytes(err) {
			return "The form is too large."
		}
		return "The form was refused: it did not come from this site's page. Reload the page and try again."
	}
	return ""
}

// logout ends the session.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, a *actor) {
	if err := h.store.DeleteSession(r.Context(), a.session.ID); err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.cookies.Clear(w)
	h.redirect(w, r, "/login?out=1")
}
