package webui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/wallet"
)

// AuthorizePath is the OB 3.0 API's authorization endpoint (RFC 6749
// §3.1): the consent page a learner sees when another platform asks for
// access to their wallet.
const AuthorizePath = "/wallet/oauth/authorize"

// WithOAuth adds the consent page of the OB 3.0 API's authorization
// server s; call it before Register.
func (h *Handler) WithOAuth(s *oauth.Service) *Handler {
	h.oauth = s
	return h
}

func (h *Handler) registerOAuth(mux *http.ServeMux) {
	if h.oauth == nil {
		return
	}
	mux.HandleFunc("GET "+AuthorizePath, h.consentPage)
	mux.Handle("POST "+AuthorizePath, h.post(h.consent))
	mux.HandleFunc("GET /wallet/apps", h.appsPage)
	mux.Handle("POST /wallet/apps/disconnect", h.post(h.disconnect))
}

type appsPage struct {
	Apps []connectedApp
}

type connectedApp struct {
	GrantID, Name, URI string
	Scopes             []string
	Since              time.Time
	LastUsed           time.Time // zero: never
}

// appsPage lists the applications the learner allowed, each with a
// Disconnect button.
func (h *Handler) appsPage(w http.ResponseWriter, r *http.Request) {
	p := h.signedIn(w, r)
	if p == nil {
		return
	}
	gs, err := h.oauth.Connections(r.Context(), p.Learner.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	var v appsPage
	for _, g := range gs {
		a := connectedApp{GrantID: g.ID, Since: g.CreatedAt}
		if g.LastUsedAt != nil {
			a.LastUsed = *g.LastUsedAt
		}
		if g.Client != nil {
			a.Name, a.URI = g.Client.Name, g.Client.URI
		}
		for _, s := range strings.Fields(g.Scope) {
			if t := oauth.ScopeText[s]; t != "" {
				a.Scopes = append(a.Scopes, t)
			}
		}
		v.Apps = append(v.Apps, a)
	}
	view := view{Title: h.t(r, "Connected applications"), Data: v}
	if r.URL.Query().Get("done") == "disconnected" {
		view.Notice = h.t(r, "Disconnected: the application can no longer use your wallet.")
	}
	h.render(w, r, http.StatusOK, "apps.html", p, view)
}

// disconnect revokes one grant with all its tokens.
func (h *Handler) disconnect(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	if err := h.oauth.Disconnect(r.Context(), p.Learner.ID, r.PostForm.Get("grant")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, "/wallet/apps?done=disconnected")
}

type consentPage struct {
	Client  string
	URI     string
	Policy  string
	Host    string // of the redirect URI: where the learner goes next
	Scopes  []string
	Params  url.Values
	Problem string
}

// consentPage checks the request and shows the learner the application
// and what it asks for; a learner who is not signed in signs in first and
// comes back to the same request.
func (h *Handler) consentPage(w http.ResponseWriter, r *http.Request) {
	p, err := h.principal(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	if p == nil {
		h.redirect(w, r, "/wallet/signin?next="+url.QueryEscape(r.URL.RequestURI()))
		return
	}
	h.answer(w, r, p, r.URL.Query(), "")
}

// consent answers the consent form: Approve or Deny.
func (h *Handler) consent(w http.ResponseWriter, r *http.Request, p *wallet.Principal) {
	h.answer(w, r, p, r.PostForm, r.PostForm.Get("decision"))
}

// answer checks the request q; with decision "" it shows the consent
// page, with "approve" or "deny" it sends the browser back to the
// application.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, p *wallet.Principal, q url.Values, decision string) {
	a, oerr := h.oauth.CheckAuthorize(r.Context(), q)
	if oerr != nil && a == nil {
		// Unknown application or redirect URI: never redirect (RFC 6749
		// §4.1.2.1); tell the learner.
		h.say(w, r, http.StatusBadRequest, p, "This application's request is not valid", oerr.Description)
		return
	}
	if oerr != nil {
		http.Redirect(w, r, h.oauth.ErrorRedirect(a, oerr), http.StatusSeeOther)
		return
	}
	switch decision {
	case "approve":
		to, err := h.oauth.Approve(r.Context(), p.Learner.ID, a)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	case "deny":
		http.Redirect(w, r, h.oauth.Deny(a), http.StatusSeeOther)
		return
	}
	v := consentPage{Client: a.Client.Name, URI: a.Client.URI, Policy: a.Client.PolicyURI, Params: a.Params()}
	if u, err := url.Parse(a.RedirectURI); err == nil {
		v.Host = u.Host
	}
	for _, s := range a.Scopes {
		v.Scopes = append(v.Scopes, oauth.ScopeText[s])
	}
	// The form's answer redirects to the application: CSP form-action
	// must allow its origin (browsers check redirects after a form post).
	h.render(w, r, http.StatusOK, "consent.html", p, view{Title: h.t(r, "Allow %s to use your wallet?", a.Client.Name), FormTo: origin(a.RedirectURI), Data: v})
}

func origin(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
