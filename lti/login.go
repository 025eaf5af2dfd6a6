package lti

import (
	"net/http"
	"net/url"

	"github.com/cairn-badges/cairn"
)

// LoginRequest is a platform's OIDC third-party initiated login (LTI
// Security Framework 1.0 §5.1.1.1).
type LoginRequest struct {
	Issuer         string // iss
	LoginHint      string // login_hint
	TargetLinkURI  string // target_link_uri
	LTIMessageHint string // lti_message_hint, optional
	DeploymentID   string // lti_deployment_id, optional
	ClientID       string // client_id, optional
}

// maxParam bounds each login parameter; platforms' hints are far shorter.
const maxParam = 4096

// ParseLogin reads a login initiation from the query of a GET or the form
// of a POST (whose body it reads up to 64 KiB). iss, login_hint and
// target_link_uri (an absolute URL) are required and no parameter may pass
// 4 KiB; its error is a cairn.Invalid error naming the parameter.
func ParseLogin(r *http.Request) (LoginRequest, error) {
	var v url.Values
	switch r.Method {
	case http.MethodGet:
		v = r.URL.Query()
	case http.MethodPost:
		// No ResponseWriter: the caller answers the error, not the reader.
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			return LoginRequest{}, cairn.Invalidf("", "the login form cannot be read: %v", err)
		}
		v = r.Form
	default:
		return LoginRequest{}, cairn.Invalidf("", "a login is a GET or a POST, not a %s", r.Method)
	}
	lr := LoginRequest{
		Issuer:         v.Get("iss"),
		LoginHint:      v.Get("login_hint"),
		TargetLinkURI:  v.Get("target_link_uri"),
		LTIMessageHint: v.Get("lti_message_hint"),
		DeploymentID:   v.Get("lti_deployment_id"),
		ClientID:       v.Get("client_id"),
	}
	for _, p := range []struct{ name, value string }{
		{"iss", lr.Issuer},
		{"login_hint", lr.LoginHint},
		{"target_link_uri", lr.TargetLinkURI},
	} {
		if p.value == "" {
			return LoginRequest{}, cairn.Invalidf(p.name, "is required")
		}
	}
	for _, p := range []struct{ name, value string }{
		{"iss", lr.Issuer},
		{"login_hint", lr.LoginHint},
		{"target_link_uri", lr.TargetLinkURI},
		{"lti_message_hint", lr.LTIMessageHint},
		{"lti_deployment_id", lr.DeploymentID},
		{"client_id", lr.ClientID},
	} {
		if len(p.value) > maxParam {
			return LoginRequest{}, cairn.Invalidf(p.name, "is longer than %d bytes", maxParam)
		}
	}
	if u, err := url.Parse(lr.TargetLinkURI); err != nil || !u.IsAbs() {
		return LoginRequest{}, cairn.Invalidf("target_link_uri", "must be an absolute URL")
	}
	return lr, nil
}

// AuthRedirect returns the URL of the platform's authorization endpoint
// that answers lr (LTI Security Framework 1.0 §5.1.1.2): the OIDC
// authentication request with scope=openid, response_type=id_token,
// response_mode=form_post, prompt=none, the tool's client_id and
// redirect_uri, the login's login_hint and lti_message_hint, and the state
// and nonce the caller made and stored. Parameters already in the
// endpoint's query are kept.
func AuthRedirect(reg Registration, lr LoginRequest, redirectURI, state, nonce string) string {
	u, err := url.Parse(reg.AuthLoginURL)
	if err != nil {
		// Registration.Validate refuses such a URL; keep the redirect
		// well-formed anyway.
		u = &url.URL{Path: reg.AuthLoginURL}
	}
	q := u.Query()
	q.Set("scope", "openid")
	q.Set("response_type", "id_token")
	q.Set("response_mode", "form_post")
	q.Set("prompt", "none")
	q.Set("client_id", reg.ClientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("login_hint", lr.LoginHint)
	if lr.LTIMessageHint != "" {
		q.Set("lti_message_hint", lr.LTIMessageHint)
	}
	q.Set("state", state)
	q.Set("nonce", nonce)
	u.RawQuery = q.Encode()
	return u.String()
}
