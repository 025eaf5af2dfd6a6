// Package ltitest is an in-process LTI 1.3 platform for tests: an
// httptest.Server with its own RSA key and JWKS, an OIDC authorization
// endpoint that answers a tool's login with an auto-posting launch form, an
// OAuth 2.0 token endpoint that checks the tool's client assertion, and
// the AGS line item and result services and the NRPS membership service,
// paged, over courses, users, line items and results the test sets up.
//
// It is test support: everything is in memory, every user may launch every
// course, and every user is a member of every course. It has no place in a
// server.
package ltitest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cairn-badges/cairn/lti"
)

// Platform is a running test platform. Create it with New.
type Platform struct {
	srv *httptest.Server
	t   testing.TB

	mu           sync.Mutex
	key          *rsa.PrivateKey
	kid          string
	oldKeys      map[string]*rsa.PublicKey // still published after RotateKey
	now          func() time.Time
	clients      map[string][]string // client id → deployment ids
	redirects    map[string]bool
	users        map[string]user
	userOrder    []string
	courses      map[string]*course
	toolJWKSURL  string
	toolKeys     map[string]*rsa.PublicKey
	tokens       map[string]grant
	pageSize     int
	tokenCount   int
	jwksCount    int
	serviceCount int
}

type user struct {
	id, email, name string
	roles           []string
}

type course struct {
	title     string
	lineItems []*lineItem
}

type lineItem struct {
	id, label string
	max       float64
	results   map[string]lti.Result
	order     []string // user ids, in the order their results were set
}

type grant struct {
	scopes  []string
	expires time.Time
}

// New starts a platform that closes when the test ends. Its page size is
// 10 and its clock time.Now.
func New(t testing.TB) *Platform {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("ltitest: platform key: %v", err)
	}
	p := &Platform{
		t:         t,
		key:       key,
		kid:       "platform-1",
		oldKeys:   map[string]*rsa.PublicKey{},
		now:       time.Now,
		clients:   map[string][]string{},
		redirects: map[string]bool{},
		users:     map[string]user{},
		courses:   map[string]*course{},
		toolKeys:  map[string]*rsa.PublicKey{},
		tokens:    map[string]grant{},
		pageSize:  10,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /jwks", p.serveJWKS)
	mux.HandleFunc("/auth", p.serveAuth)
	mux.HandleFunc("POST /token", p.serveToken)
	mux.HandleFunc("GET /courses/{ctx}/lineitems", p.serveLineItems)
	mux.HandleFunc("GET /courses/{ctx}/lineitems/{id}/results", p.serveResults)
	mux.HandleFunc("GET /courses/{ctx}/memberships", p.serveMembers)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// URL is the platform's base URL, which is also its issuer.
func (p *Platform) URL() string { return p.srv.URL }

// Client returns an http.Client for the platform.
func (p *Platform) Client() *http.Client { return p.srv.Client() }

// SetClock sets the platform's clock, used for the times of id_tokens and
// the expiry of client assertions and access tokens.
func (p *Platform) SetClock(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

// SetPageSize sets how many items a service answers per page.
func (p *Platform) SetPageSize(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pageSize = max(n, 1)
}

// Registration registers clientID with deploymentID (a client may have
// several) and returns the tool's view of the registration.
func (p *Platform) Registration(clientID, deploymentID string) lti.Registration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !slices.Contains(p.clients[clientID], deploymentID) {
		p.clients[clientID] = append(p.clients[clientID], deploymentID)
	}
	return lti.Registration{
		Issuer:        p.srv.URL,
		ClientID:      clientID,
		DeploymentIDs: []string{deploymentID},
		AuthLoginURL:  p.srv.URL + "/auth",
		AuthTokenURL:  p.srv.URL + "/token",
		JWKSURL:       p.srv.URL + "/jwks",
	}
}

// AllowRedirect registers a redirect URI the authorization endpoint may
// post launches to.
func (p *Platform) AllowRedirect(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirects[uri] = true
}

// AddUser adds a user who may log in (login_hint = id) and is a member of
// every course.
func (p *Platform) AddUser(id, email, name string, roles ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.users[id]; !ok {
		p.userOrder = append(p.userOrder, id)
	}
	p.users[id] = user{id: id, email: email, name: name, roles: roles}
}

// AddCourse adds a context.
func (p *Platform) AddCourse(contextID, title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.courses[contextID]; c != nil {
		c.title = title
		return
	}
	p.courses[contextID] = &course{title: title}
}

// AddLineItem adds a line item to a course, adding the course if needed.
// The line item's AGS id is LineItemURL(contextID, id).
func (p *Platform) AddLineItem(contextID, id, label string, max float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.courseLocked(contextID)
	for _, li := range c.lineItems {
		if li.id == id {
			li.label, li.max = label, max
			return
		}
	}
	c.lineItems = append(c.lineItems, &lineItem{id: id, label: label, max: max, results: map[string]lti.Result{}})
}

// SetResult sets a user's result for a line item, which must exist.
func (p *Platform) SetResult(contextID, lineItemID, userID string, score, max float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	li := p.lineItemLocked(contextID, lineItemID)
	if li == nil {
		p.t.Fatalf("ltitest: SetResult: course %q has no line item %q", contextID, lineItemID)
		return
	}
	if _, ok := li.results[userID]; !ok {
		li.order = append(li.order, userID)
	}
	liURL := p.lineItemURL(contextID, lineItemID)
	li.results[userID] = lti.Result{
		ID:            liURL + "/results/" + url.PathEscape(userID),
		ScoreOf:       liURL,
		UserID:        userID,
		ResultScore:   &score,
		ResultMaximum: &max,
	}
}

// LineItemsURL is the AGS line items URL of a course.
func (p *Platform) LineItemsURL(contextID string) string {
	return p.srv.URL + "/courses/" + url.PathEscape(contextID) + "/lineitems"
}

// MembershipsURL is the NRPS memberships URL of a course.
func (p *Platform) MembershipsURL(contextID string) string {
	return p.srv.URL + "/courses/" + url.PathEscape(contextID) + "/memberships"
}

// LineItemURL is the AGS id of a line item.
func (p *Platform) LineItemURL(contextID, id string) string { return p.lineItemURL(contextID, id) }

func (p *Platform) lineItemURL(contextID, id string) string {
	return p.LineItemsURL(contextID) + "/" + url.PathEscape(id)
}

func (p *Platform) courseLocked(contextID string) *course {
	c := p.courses[contextID]
	if c == nil {
		c = &course{title: contextID}
		p.courses[contextID] = c
	}
	return c
}

func (p *Platform) lineItemLocked(contextID, id string) *lineItem {
	c := p.courses[contextID]
	if c == nil {
		return nil
	}
	for _, li := range c.lineItems {
		if li.id == id {
			return li
		}
	}
	return nil
}

// SetToolJWKS makes the token endpoint verify client assertions with the
// keys of the tool's JWKS at url, fetched at each token request.
func (p *Platform) SetToolJWKS(url string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toolJWKSURL = url
}

// SetToolKey makes the token endpoint accept client assertions signed by
// key under kid.
func (p *Platform) SetToolKey(kid string, key *rsa.PublicKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toolKeys[kid] = key
}

// TokenRequests is the number of access tokens the token endpoint issued.
func (p *Platform) TokenRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenCount
}

// RevokeTokens makes every access token issued so far invalid.
func (p *Platform) RevokeTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.tokens)
}

// JWKSRequests is the number of times the platform's JWKS was fetched.
func (p *Platform) JWKSRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwksCount
}

// ServiceRequests is the number of service pages served (line items,
// results, memberships), refused requests included.
func (p *Platform) ServiceRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.serviceCount
}

// KeyID is the kid of the key the platform signs with now.
func (p *Platform) KeyID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kid
}

// RotateKey makes a new signing key with a new kid and returns the kid.
// The old key stays in the JWKS unless dropOld.
func (p *Platform) RotateKey(dropOld bool) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatalf("ltitest: rotate key: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if dropOld {
		clear(p.oldKeys)
	} else {
		p.oldKeys[p.kid] = &p.key.PublicKey
	}
	p.key = key
	p.kid = "platform-" + strconv.Itoa(len(p.oldKeys)+2) + "-" + randomString(4)
	return p.kid
}

func (p *Platform) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.jwksCount++
	keys := map[string]*rsa.PublicKey{p.kid: &p.key.PublicKey}
	for kid, k := range p.oldKeys {
		keys[kid] = k
	}
	p.mu.Unlock()
	b, err := lti.ToolJWKS(keys)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// ResourceLinkClaims returns the claims of an LtiResourceLinkRequest from
// reg's first deployment for subject in contextID: iss, aud, sub, nonce,
// iat, exp (five minutes on), version, message type, deployment id, target
// link URI, resource link, context, roles, the AGS endpoint (the course's
// line items URL, read-only scopes), the NRPS endpoint, and email and name
// (the user's when AddUser added them, made up otherwise). Tests change
// the map to make bad launches.
func (p *Platform) ResourceLinkClaims(reg lti.Registration, subject, nonce, contextID string, roles ...string) map[string]any {
	p.mu.Lock()
	now := p.now()
	u, known := p.users[subject]
	title := contextID
	if c := p.courses[contextID]; c != nil {
		title = c.title
	}
	p.mu.Unlock()
	if !known {
		u = user{email: subject + "@example.test", name: "User " + subject}
	}
	deployment := ""
	if len(reg.DeploymentIDs) > 0 {
		deployment = reg.DeploymentIDs[0]
	}
	roleList := []any{}
	for _, r := range roles {
		roleList = append(roleList, r)
	}
	return map[string]any{
		"iss":                  p.srv.URL,
		"aud":                  reg.ClientID,
		"sub":                  subject,
		"nonce":                nonce,
		"iat":                  now.Unix(),
		"exp":                  now.Add(5 * time.Minute).Unix(),
		"email":                u.email,
		"name":                 u.name,
		lti.ClaimVersion:       lti.Version,
		lti.ClaimMessageType:   lti.MessageTypeResourceLink,
		lti.ClaimDeploymentID:  deployment,
		lti.ClaimTargetLinkURI: "https://tool.example.test/lti/launch",
		lti.ClaimRoles:         roleList,
		lti.ClaimResourceLink:  map[string]any{"id": "link-" + contextID, "title": "Badges"},
		lti.ClaimContext:       map[string]any{"id": contextID, "title": title, "label": strings.ToUpper(contextID)},
		lti.ClaimAGSEndpoint: map[string]any{
			"scope":     []any{lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly},
			"lineitems": p.LineItemsURL(contextID),
		},
		lti.ClaimNRPS: map[string]any{
			"context_memberships_url": p.MembershipsURL(contextID),
			"service_versions":        []any{"2.0"},
		},
	}
}

// LaunchToken signs claims as an id_token with the platform's key (RS256,
// its kid in the header).
func (p *Platform) LaunchToken(claims map[string]any) string {
	tok, err := p.sign(claims)
	if err != nil {
		p.t.Fatalf("ltitest: launch token: %v", err)
	}
	return tok
}

// sign signs claims with the platform's current key.
func (p *Platform) sign(claims map[string]any) (string, error) {
	p.mu.Lock()
	key, kid := p.key, p.kid
	p.mu.Unlock()
	return Sign(key, kid, jose.RS256, claims)
}

// Sign signs claims as a compact JWS with key (an *rsa.PrivateKey for
// RS*, a []byte for HS*) under kid, for tests that need tokens the
// platform would not make.
func Sign(key any, kid string, alg jose.SignatureAlgorithm, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// LoginParams returns the parameters of a third-party initiated login the
// platform would send a tool for userID launching in contextID:
// lti_message_hint names the context, which the authorization endpoint
// reads back.
func (p *Platform) LoginParams(reg lti.Registration, userID, contextID, targetLinkURI string) url.Values {
	v := url.Values{
		"iss":              {p.srv.URL},
		"login_hint":       {userID},
		"target_link_uri":  {targetLinkURI},
		"lti_message_hint": {contextID},
		"client_id":        {reg.ClientID},
	}
	if len(reg.DeploymentIDs) > 0 {
		v.Set("lti_deployment_id", reg.DeploymentIDs[0])
	}
	return v
}

var launchForm = template.Must(template.New("launch").Parse(`<!doctype html>
<html><head><title>Launching</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
<input type="hidden" name="id_token" value="{{.IDToken}}">
<input type="hidden" name="state" value="{{.State}}">
<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`))

// serveAuth is the OIDC authorization endpoint (LTI Security Framework 1.0
// §5.1.1.2, §5.1.1.3): it checks the authentication request and answers a
// form that posts the id_token and state to the redirect URI.
func (p *Platform) serveAuth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "the authorization endpoint takes GET or POST", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the request cannot be read: "+err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form
	bad := func(format string, args ...any) {
		http.Error(w, fmt.Sprintf(format, args...), http.StatusBadRequest)
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "openid") {
		bad("scope must contain openid")
		return
	}
	if q.Get("response_type") != "id_token" {
		bad("response_type must be id_token")
		return
	}
	if m := q.Get("response_mode"); m != "" && m != "form_post" {
		bad("response_mode must be form_post")
		return
	}
	for _, name := range []string{"nonce", "state", "login_hint", "client_id", "redirect_uri"} {
		if q.Get(name) == "" {
			bad("%s is required", name)
			return
		}
	}
	clientID, redirect := q.Get("client_id"), q.Get("redirect_uri")
	p.mu.Lock()
	deployments, registered := p.clients[clientID]
	allowed := p.redirects[redirect]
	u, known := p.users[q.Get("login_hint")]
	p.mu.Unlock()
	switch {
	case !registered:
		bad("client_id %q is not registered", clientID)
		return
	case !allowed:
		bad("redirect_uri %q is not registered", redirect)
		return
	case !known:
		bad("login_hint names no user")
		return
	}
	contextID := q.Get("lti_message_hint")
	if contextID == "" {
		bad("lti_message_hint must name the course")
		return
	}
	reg := lti.Registration{ClientID: clientID, DeploymentIDs: deployments[:1]}
	claims := p.ResourceLinkClaims(reg, u.id, q.Get("nonce"), contextID, u.roles...)
	claims[lti.ClaimTargetLinkURI] = redirect
	token, err := p.sign(claims)
	if err != nil {
		http.Error(w, "the id_token cannot be signed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	launchForm.Execute(w, map[string]string{"Action": redirect, "IDToken": token, "State": q.Get("state")})
}

// tokenError answers an OAuth 2.0 error (RFC 6749 §5.2).
func tokenError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

var knownScopes = []string{lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly, lti.ScopeMembershipReadOnly}

// serveToken is the token endpoint (LTI Security Framework 1.0 §4.1):
// client credentials with a JWT client assertion (RFC 7523).
func (p *Platform) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the form cannot be read")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if r.PostForm.Get("client_assertion_type") != lti.ClientAssertionType {
		tokenError(w, http.StatusBadRequest, "invalid_client", "client_assertion_type must be "+lti.ClientAssertionType)
		return
	}
	if err := p.verifyAssertion(r.PostForm.Get("client_assertion")); err != nil {
		tokenError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	var scopes []string
	for s := range strings.FieldsSeq(r.PostForm.Get("scope")) {
		if !slices.Contains(knownScopes, s) {
			tokenError(w, http.StatusBadRequest, "invalid_scope", "unknown scope "+s)
			return
		}
		scopes = append(scopes, s)
	}
	if len(scopes) == 0 {
		tokenError(w, http.StatusBadRequest, "invalid_scope", "scope is required")
		return
	}
	token := randomString(24)
	p.mu.Lock()
	p.tokens[token] = grant{scopes: scopes, expires: p.now().Add(time.Hour)}
	p.tokenCount++
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        strings.Join(scopes, " "),
	})
}

// verifyAssertion checks a client assertion: RS256 by a tool key, iss =
// sub = a registered client id, aud the token URL, not expired, with a
// jti.
func (p *Platform) verifyAssertion(assertion string) error {
	jws, err := jose.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return fmt.Errorf("client_assertion is not an RS256 JWS: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return fmt.Errorf("client_assertion must have one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	key, err := p.toolKey(kid)
	if err != nil {
		return err
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return fmt.Errorf("client_assertion's signature does not verify with key %q", kid)
	}
	var c struct {
		Iss, Sub, Jti string
		Aud           json.RawMessage
		Exp, Iat      float64
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return fmt.Errorf("client_assertion's claims cannot be read: %v", err)
	}
	p.mu.Lock()
	_, registered := p.clients[c.Iss]
	now := p.now()
	p.mu.Unlock()
	tokenURL := p.srv.URL + "/token"
	var auds []string
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		auds = []string{one}
	} else {
		json.Unmarshal(c.Aud, &auds)
	}
	switch {
	case c.Iss == "" || c.Iss != c.Sub:
		return fmt.Errorf("client_assertion's iss and sub must both be the client id")
	case !registered:
		return fmt.Errorf("client %q is not registered", c.Iss)
	case !slices.Contains(auds, tokenURL):
		return fmt.Errorf("client_assertion's aud must be %s", tokenURL)
	case float64(now.Unix()) >= c.Exp:
		return fmt.Errorf("client_assertion has expired")
	case c.Jti == "":
		return fmt.Errorf("client_assertion has no jti")
	}
	return nil
}

// toolKey finds the tool's key kid among the keys set with SetToolKey or,
// failing that, in the tool's JWKS.
func (p *Platform) toolKey(kid string) (*rsa.PublicKey, error) {
	p.mu.Lock()
	key, jwksURL := p.toolKeys[kid], p.toolJWKSURL
	p.mu.Unlock()
	if key != nil {
		return key, nil
	}
	if jwksURL == "" {
		return nil, fmt.Errorf("no tool key %q", kid)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	resp, err := hc.Get(jwksURL)
	if err != nil {
		return nil, fmt.Errorf("the tool's JWKS cannot be fetched: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the tool's JWKS cannot be fetched: status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the tool's JWKS is not a JWK set: %v", err)
	}
	for _, k := range set.Key(kid) {
		if pub, ok := k.Key.(*rsa.PublicKey); ok {
			return pub, nil
		}
	}
	return nil, fmt.Errorf("the tool's JWKS has no RSA key %q", kid)
}

// authorize checks the request's bearer token for scope; it answers the
// error itself and reports false when the request may not go on.
func (p *Platform) authorize(w http.ResponseWriter, r *http.Request, scope string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serviceCount++
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	g, found := p.tokens[token]
	if !ok || !found || !p.now().Before(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
		return false
	}
	if !slices.Contains(g.scopes, scope) {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		http.Error(w, "the token lacks scope "+scope, http.StatusForbidden)
		return false
	}
	return true
}

// page answers items[page*size:] (one page) as media type, with a next
// link when more follow. wrap turns the page into the body.
func page[T any](p *Platform, w http.ResponseWriter, r *http.Request, media string, items []T, wrap func([]T) any) {
	p.mu.Lock()
	size := p.pageSize
	p.mu.Unlock()
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 0)
	start := min(n*size, len(items))
	end := min(start+size, len(items))
	if end < len(items) {
		next := *r.URL
		q := next.Query()
		q.Set("page", strconv.Itoa(n+1))
		next.RawQuery = q.Encode()
		w.Header().Add("Link", fmt.Sprintf(`<%s%s>; rel="next"`, p.srv.URL, next.RequestURI()))
	}
	w.Header().Set("Content-Type", media)
	json.NewEncoder(w).Encode(wrap(items[start:end]))
}

func (p *Platform) serveLineItems(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, lti.ScopeLineItemReadOnly) {
		return
	}
	ctx := r.PathValue("ctx")
	p.mu.Lock()
	c := p.courses[ctx]
	var items []lti.LineItem
	if c != nil {
		for _, li := range c.lineItems {
			items = append(items, lti.LineItem{ID: p.lineItemURL(ctx, li.id), Label: li.label, ScoreMaximum: li.max, ResourceLinkID: "link-" + ctx})
		}
	}
	p.mu.Unlock()
	if c == nil {
		http.NotFound(w, r)
		return
	}
	page(p, w, r, lti.MediaLineItemContainer, items, func(s []lti.LineItem) any { return nonNil(s) })
}

func (p *Platform) serveResults(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, lti.ScopeResultReadOnly) {
		return
	}
	p.mu.Lock()
	li := p.lineItemLocked(r.PathValue("ctx"), r.PathValue("id"))
	var results []lti.Result
	if li != nil {
		only := r.URL.Query().Get("user_id")
		for _, uid := range li.order {
			if only == "" || only == uid {
				results = append(results, li.results[uid])
			}
		}
	}
	p.mu.Unlock()
	if li == nil {
		http.NotFound(w, r)
		return
	}
	page(p, w, r, lti.MediaResultContainer, results, func(s []lti.Result) any { return nonNil(s) })
}

func (p *Platform) serveMembers(w http.ResponseWriter, r *http.Request) {
	if !p.authorize(w, r, lti.ScopeMembershipReadOnly) {
		return
	}
	ctx := r.PathValue("ctx")
	p.mu.Lock()
	c := p.courses[ctx]
	title := ""
	if c != nil {
		title = c.title
	}
	var members []lti.Member
	for _, id := range p.userOrder {
		u := p.users[id]
		members = append(members, lti.Member{UserID: u.id, Email: u.email, Name: u.name, Status: "Active", Roles: nonNil(u.roles)})
	}
	p.mu.Unlock()
	if c == nil {
		http.NotFound(w, r)
		return
	}
	page(p, w, r, lti.MediaMembershipContainer, members, func(s []lti.Member) any {
		return map[string]any{
			"id":      p.MembershipsURL(ctx),
			"context": map[string]any{"id": ctx, "title": title},
			"members": nonNil(s),
		}
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
