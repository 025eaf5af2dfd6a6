// Package oidctest is a small OpenID provider for tests: discovery, JWKS,
// an authorization endpoint (approving at once, or after a one-button
// form), a token endpoint that checks the client, the redirect URI and
// PKCE (S256), and UserInfo. It signs ID tokens with an ES256 key it makes.
// Tests set the claims of the next sign-in with SetUser, and can make the
// provider misbehave (wrong nonce, audience, expiry) to see the relying
// party refuse.
//
// It is test support: it keeps everything in memory, trusts every caller
// of the authorization endpoint, and has no place in a server.
package oidctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Provider is a running test provider. Create it with New; Close it.
type Provider struct {
	*httptest.Server
	// ClientID and ClientSecret are the one client's credentials.
	ClientID, ClientSecret string

	key    *ecdsa.PrivateKey
	signer jose.Signer

	mu sync.Mutex
	// user: the claims (besides iss, aud, exp, iat, nonce) of the next
	// sign-in; sub defaults to email.
	user map[string]any
	// Form makes the authorization endpoint show a page with an
	// "Approve" button instead of approving at once.
	form bool
	// tamper changes the next ID tokens.
	tamper Tamper
	codes  map[string]grant
	tokens map[string]map[string]any // access token → UserInfo claims
	// Requests counts the token requests that succeeded.
	tokenRequests int
	// lastAuthorize is the query of the last authorization request.
	lastAuthorize url.Values
}

// Tamper makes the provider issue bad ID tokens.
type Tamper struct {
	Nonce     string        // a nonce other than the one asked for
	Audience  string        // another audience
	Issuer    string        // another issuer
	ExpiresIn time.Duration // negative: already expired
	// OmitFromIDToken leaves these claims out of the ID token; UserInfo
	// still has them.
	OmitFromIDToken []string
}

type grant struct {
	redirectURI, nonce, challenge string
	user                          map[string]any
	expires                       time.Time
}

// New starts a provider with client "cairn-test".
func New() *Provider {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "test-key-1", Algorithm: "ES256"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	p := &Provider{ClientID: "cairn-test", ClientSecret: "s3cret-" + random(), key: key, signer: signer,
		codes: map[string]grant{}, tokens: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /authorize", p.approve)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	p.Server = httptest.NewServer(mux)
	return p
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.URL }

// SetUser sets the claims of the next sign-ins, e.g. email,
// email_verified, name, groups.
func (p *Provider) SetUser(claims map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = maps.Clone(claims)
}

// SetForm makes the authorization endpoint show an approval form (true)
// or approve at once (false, the default).
func (p *Provider) SetForm(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.form = on
}

// SetTamper makes the next ID tokens bad in the ways t says.
func (p *Provider) SetTamper(t Tamper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = t
}

// TokenRequests returns how many codes were exchanged.
func (p *Provider) TokenRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenRequests
}

// LastAuthorize returns the query of the last authorization request.
func (p *Provider) LastAuthorize() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastAuthorize
}

func random() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/jwks",
		"userinfo_endpoint":                     p.URL + "/userinfo",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "test-key-1", Algorithm: "ES256", Use: "sig"}}})
}

// authError answers an authorization request that is wrong by itself
// (not sent back to the client, as RFC 6749 §4.1.2.1 says for a bad
// client or redirect URI).
func authError(w http.ResponseWriter, msg string) {
	http.Error(w, "test provider: "+msg, http.StatusBadRequest)
}

// checkAuthorize checks an authorization request's query.
func (p *Provider) checkAuthorize(q url.Values) string {
	switch {
	case q.Get("client_id") != p.ClientID:
		return "unknown client_id " + q.Get("client_id")
	case q.Get("response_type") != "code":
		return "response_type must be code"
	case q.Get("redirect_uri") == "":
		return "no redirect_uri"
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		return "PKCE with S256 is required"
	case q.Get("state") == "" || q.Get("nonce") == "":
		return "state and nonce are required"
	}
	return ""
}

var formPage = template.Must(template.New("").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head>
<body style="font-family:sans-serif;max-width:30rem;margin:3rem auto">
<h1>Test identity provider</h1>
<p>Cairn asks to know who you are. You are signed in here as <b id="who">{{.Email}}</b>.</p>
<form method="post" action="/authorize">
{{range $k, $v := .Query}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}
<button type="submit" id="approve">Approve</button>
<button type="submit" name="deny" value="1" id="deny">Deny</button>
</form></body></html>`))

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.lastAuthorize = q
	form, user := p.form, p.user
	p.mu.Unlock()
	if msg := p.checkAuthorize(q); msg != "" {
		authError(w, msg)
		return
	}
	if form {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = formPage.Execute(w, map[string]any{"Email": user["email"], "Query": q})
		return
	}
	p.redirectWithCode(w, r, q)
}

func (p *Provider) approve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		authError(w, "bad form")
		return
	}
	q := r.PostForm
	if msg := p.checkAuthorize(q); msg != "" {
		authError(w, msg)
		return
	}
	if q.Get("deny") != "" {
		u, _ := url.Parse(q.Get("redirect_uri"))
		v := u.Query()
		v.Set("error", "access_denied")
		v.Set("error_description", "The user denied the request")
		v.Set("state", q.Get("state"))
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	p.redirectWithCode(w, r, q)
}

func (p *Provider) redirectWithCode(w http.ResponseWriter, r *http.Request, q url.Values) {
	code := random()
	p.mu.Lock()
	p.codes[code] = grant{redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		user: maps.Clone(p.user), expires: time.Now().Add(time.Minute)}
	p.mu.Unlock()
	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		authError(w, "bad redirect_uri")
		return
	}
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, found := p.codes[code]
	delete(p.codes, code) // single use
	tamper := p.tamper
	p.mu.Unlock()
	if !found || time.Now().After(g.expires) {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
		return
	}
	if r.PostForm.Get("redirect_uri") != g.redirectURI {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	now := time.Now()
	claims := map[string]any{}
	for k, v := range g.user {
		claims[k] = v
	}
	if _, ok := claims["sub"]; !ok {
		claims["sub"] = fmt.Sprint(claims["email"])
	}
	userinfo := maps.Clone(claims)
	for _, k := range tamper.OmitFromIDToken {
		delete(claims, k)
	}
	exp := time.Hour
	if tamper.ExpiresIn != 0 {
		exp = tamper.ExpiresIn
	}
	claims["iss"], claims["aud"], claims["nonce"] = p.URL, p.ClientID, g.nonce
	claims["iat"], claims["exp"] = now.Add(-time.Second).Unix(), now.Add(exp).Unix()
	if tamper.Nonce != "" {
		claims["nonce"] = tamper.Nonce
	}
	if tamper.Audience != "" {
		claims["aud"] = tamper.Audience
	}
	if tamper.Issuer != "" {
		claims["iss"] = tamper.Issuer
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	idToken, err := jws.CompactSerialize()
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	access := random()
	p.mu.Lock()
	p.tokens[access] = userinfo
	p.tokenRequests++
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600, "id_token": idToken})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		w.Header().Set("WWW-Authenticate", "Bearer")
		http.Error(w, "no token", http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	claims, ok := p.tokens[h[len(prefix):]]
	p.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "bad token", http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, claims)
}
