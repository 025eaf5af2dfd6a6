package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/store"
)

// Store is what the authorization server reads and writes; *store.DB
// implements it.
type Store interface {
	CreateOAuthClient(ctx context.Context, c *store.OAuthClient) error
	OAuthClient(ctx context.Context, clientID string) (*store.OAuthClient, error)
	PutOAuthGrant(ctx context.Context, learnerID, clientID, scope string) (*store.OAuthGrant, error)
	LearnerOAuthGrants(ctx context.Context, learnerID string) ([]*store.OAuthGrant, error)
	DeleteOAuthGrant(ctx context.Context, learnerID, grantID string) error
	TouchOAuthGrant(ctx context.Context, grantID string, now time.Time) error
	CreateOAuthToken(ctx context.Context, t *store.OAuthToken) error
	OAuthTokenByHash(ctx context.Context, hash string) (*store.OAuthToken, error)
	UseOAuthToken(ctx context.Context, hash string, now time.Time) (bool, error)
	DeleteOAuthToken(ctx context.Context, hash string) error
	DeleteOAuthFamily(ctx context.Context, family string) error
	DeleteExpiredOAuthTokens(ctx context.Context, now time.Time) (int, error)
}

// Lifetimes.
const (
	// CodeLifetime is how long an authorization code may be exchanged.
	CodeLifetime = 2 * time.Minute
	// AccessLifetime is how long an access token works.
	AccessLifetime = time.Hour
	// RefreshLifetime is how long a refresh token works unused; each use
	// gives a new one.
	RefreshLifetime = 60 * 24 * time.Hour
)

// Token prefixes, so that people and secret scanners recognize them.
const (
	ClientSecretPrefix = "cairn_obcs_"
	CodePrefix         = "cairn_obac_"
	AccessPrefix       = "cairn_obat_"
	RefreshPrefix      = "cairn_obrt_"
)

// RateLimitError refuses a client address (or client) that registered or
// asked for tokens too often: answer 429 with Retry-After.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many requests; try again in %d s", int(e.RetryAfter.Seconds()+0.999))
}

// Service is the authorization server. Create it with New.
type Service struct {
	st       Store
	issuer   string
	log      *slog.Logger
	now      func() time.Time
	register *auth.Limiter
	token    *auth.Limiter
}

// Options configure a Service.
type Options struct {
	// RegisterLimiter bounds registrations per client address (default 10
	// at once, then one a minute); TokenLimiter token and revocation
	// requests per client address and client (default 30 at once, then
	// one a second).
	RegisterLimiter, TokenLimiter *auth.Limiter
	Log                           *slog.Logger
	Now                           func() time.Time
}

// New returns the authorization server of the server at baseURL (its
// issuer identifier, RFC 9207), over st.
func New(st Store, baseURL string, o Options) *Service {
	s := &Service{st: st, issuer: strings.TrimRight(baseURL, "/"), log: o.Log, now: o.Now, register: o.RegisterLimiter, token: o.TokenLimiter}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.register == nil {
		s.register = auth.NewLimiter(auth.LimiterConfig{Burst: 10, Every: time.Minute})
	}
	if s.token == nil {
		s.token = auth.NewLimiter(auth.LimiterConfig{Burst: 30, Every: time.Second})
	}
	return s
}

// Issuer is the authorization server's issuer identifier: the base URL.
func (s *Service) Issuer() string { return s.issuer }

func hash(tok string) string { return auth.HashToken(tok).String() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Register keeps a registered client and returns it with its secret,
// shown this once. addr is the client's address (registrations are
// rate-limited per address). Errors: *RateLimitError, others internal.
func (s *Service) Register(ctx context.Context, r *Registration, addr netip.Addr) (*store.OAuthClient, string, error) {
	if wait, err := s.register.Allow("register", addr, s.now()); err != nil {
		return nil, "", &RateLimitError{RetryAfter: wait}
	}
	secret := ClientSecretPrefix + auth.NewToken()
	c := &store.OAuthClient{ClientID: "cairn-" + randomHex(12), SecretHash: hash(secret), Name: r.ClientName, URI: r.ClientURI,
		LogoURI: r.LogoURI, TOSURI: r.TOSURI, PolicyURI: r.PolicyURI, SoftwareID: r.SoftwareID, SoftwareVersion: r.SoftwareVersion,
		RedirectURIs: r.RedirectURIs, Contacts: r.Contacts, Scope: r.Scope}
	if err := s.st.CreateOAuthClient(ctx, c); err != nil {
		return nil, "", err
	}
	s.log.InfoContext(ctx, "oauth: client registered", "client_id", c.ClientID, "name", c.Name, "redirect_uris", c.RedirectURIs)
	return c, secret, nil
}

// AuthRequest is an authorization request (RFC 6749 §4.1.1) that passed
// the checks: the consent page shows it, and Approve or Deny answers it.
type AuthRequest struct {
	Client        *store.OAuthClient
	RedirectURI   string
	Scopes        []string
	State         string
	CodeChallenge string
}

// Params are the request's parameters, for the consent form to post back.
func (a *AuthRequest) Params() url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {a.Client.ClientID}, "redirect_uri": {a.RedirectURI},
		"scope": {strings.Join(a.Scopes, " ")}, "state": {a.State}, "code_challenge": {a.CodeChallenge},
		"code_challenge_method": {"S256"}}
}

// CheckAuthorize checks an authorization request's parameters. When the
// client or its redirect URI is unknown it returns a nil request and the
// error, to show the learner (never redirect to an unchecked URI); other
// errors come with the request, to send back to the client
// (ErrorRedirect).
func (s *Service) CheckAuthorize(ctx context.Context, q url.Values) (*AuthRequest, *Error) {
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"} {
		if len(q[p]) > 1 {
			if p == "client_id" || p == "redirect_uri" {
				return nil, errorf("invalid_request", "%s is given more than once", p)
			}
		}
	}
	id := q.Get("client_id")
	if id == "" || len(id) > 100 {
		return nil, errorf("invalid_request", "client_id is missing or not one this server issued")
	}
	c, err := s.st.OAuthClient(ctx, id)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errorf("invalid_client", "no application is registered with client_id %q", clip(id, 100))
	}
	if err != nil {
		return nil, &Error{Code: "server_error", Description: "the server could not read the application's registration", Status: 500}
	}
	ru := q.Get("redirect_uri")
	switch {
	case ru == "" && len(c.RedirectURIs) == 1:
		ru = c.RedirectURIs[0]
	case ru == "":
		return nil, errorf("invalid_request", "redirect_uri is required: the application registered more than one")
	case !slices.Contains(c.RedirectURIs, ru):
		return nil, errorf("invalid_request", "redirect_uri %q is not one the application registered (they must match exactly)", clip(ru, 200))
	}
	a := &AuthRequest{Client: c, RedirectURI: ru, State: q.Get("state")}
	for _, p := range []string{"response_type", "scope", "state", "code_challenge", "code_challenge_method"} {
		if len(q[p]) > 1 {
			return a, errorf("invalid_request", "%s is given more than once", p)
		}
	}
	if len(a.State) > 2048 {
		a.State = ""
		return a, errorf("invalid_request", "state is longer than 2048 characters")
	}
	if rt := q.Get("response_type"); rt != "code" {
		return a, &Error{Code: "unsupported_response_type", Description: fmt.Sprintf("response_type must be code, not %q", clip(rt, 50))}
	}
	scope := q.Get("scope")
	if scope == "" {
		scope = c.Scope
	}
	scopes, serr := parseScope(scope)
	if serr != "" {
		return a, errorf("invalid_scope", "scope: %s", serr)
	}
	allowed := strings.Fields(c.Scope)
	for _, sc := range scopes {
		if !slices.Contains(allowed, sc) && sc != ScopeOfflineAccess {
			return a, errorf("invalid_scope", "scope %s was not registered for this application", sc)
		}
	}
	a.Scopes = scopes
	a.CodeChallenge = q.Get("code_challenge")
	switch m := q.Get("code_challenge_method"); {
	case a.CodeChallenge == "":
		return a, errorf("invalid_request", "code_challenge is required: this server requires PKCE (RFC 7636) with S256")
	case m != "S256":
		return a, errorf("invalid_request", "code_challenge_method must be S256, not %q (plain is not accepted)", clip(m, 20))
	case !validChallenge(a.CodeChallenge):
		return a, errorf("invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the code verifier")
	}
	return a, nil
}

func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil
}

// validVerifier checks a code_verifier's form (RFC 7636 §4.1).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
			return false
		}
	}
	return true
}

// ChallengeOf is the S256 code challenge of a verifier.
func ChallengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// redirect adds params to the redirect URI (keeping its own query).
func redirect(uri string, params url.Values) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ErrorRedirect is where to send the learner's browser with an error for
// the client (RFC 6749 §4.1.2.1), with the request's state and the
// issuer (RFC 9207).
func (s *Service) ErrorRedirect(a *AuthRequest, e *Error) string {
	p := url.Values{"error": {e.Code}, "error_description": {e.Description}, "iss": {s.issuer}}
	if a.State != "" {
		p.Set("state", a.State)
	}
	return redirect(a.RedirectURI, p)
}

// Approve records that the learner allowed the request's client its
// scopes and returns where to send the learner's browser: the redirect
// URI with a single-use code, the state and the scopes granted.
func (s *Service) Approve(ctx context.Context, learnerID string, a *AuthRequest) (string, error) {
	scope := strings.Join(a.Scopes, " ")
	g, err := s.st.PutOAuthGrant(ctx, learnerID, a.Client.ClientID, scope)
	if err != nil {
		return "", err
	}
	code := CodePrefix + auth.NewToken()
	t := &store.OAuthToken{Hash: hash(code), Kind: store.OAuthCode, GrantID: g.ID, Family: randomHex(16), Scope: scope,
		RedirectURI: a.RedirectURI, CodeChallenge: a.CodeChallenge, ExpiresAt: s.now().Add(CodeLifetime)}
	if err := s.st.CreateOAuthToken(ctx, t); err != nil {
		return "", err
	}
	s.log.InfoContext(ctx, "oauth: access allowed", "learner", learnerID, "client_id", a.Client.ClientID, "scope", scope)
	p := url.Values{"code": {code}, "scope": {scope}, "iss": {s.issuer}}
	if a.State != "" {
		p.Set("state", a.State)
	}
	return redirect(a.RedirectURI, p), nil
}

// Deny is where to send the learner's browser when they refused.
func (s *Service) Deny(a *AuthRequest) string {
	return s.ErrorRedirect(a, errorf("access_denied", "the learner did not allow access"))
}

// TokenResponse is a successful token answer (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

var errClient = &Error{Code: "invalid_client", Description: "the client_id or client_secret is not right (send them with HTTP Basic authentication)", Status: 401}

// authenticateClient checks a client's credentials (client_secret_basic).
func (s *Service) authenticateClient(ctx context.Context, id, secret string) (*store.OAuthClient, *Error) {
	if id == "" || secret == "" || len(id) > 100 || len(secret) > 200 {
		return nil, errClient
	}
	c, err := s.st.OAuthClient(ctx, id)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errClient
	}
	if err != nil {
		s.log.ErrorContext(ctx, "oauth: reading a client", "err", err)
		return nil, &Error{Code: "server_error", Description: "the server could not check the client", Status: 500}
	}
	if subtle.ConstantTimeCompare([]byte(hash(secret)), []byte(c.SecretHash)) != 1 {
		return nil, errClient
	}
	return c, nil
}

func (s *Service) allowToken(clientID string, addr netip.Addr) error {
	if wait, err := s.token.Allow("token:"+clientID, addr, s.now()); err != nil {
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}

// Token answers a token request (RFC 6749 §4.1.3 and §6) of the client
// authenticated by id and secret, with the form's parameters. Errors:
// *Error (the OAuth error to answer), *RateLimitError, others internal.
func (s *Service) Token(ctx context.Context, id, secret string, form url.Values, addr netip.Addr) (*TokenResponse, error) {
	if err := s.allowToken(id, addr); err != nil {
		return nil, err
	}
	c, oerr := s.authenticateClient(ctx, id, secret)
	if oerr != nil {
		return nil, oerr
	}
	for k, v := range form {
		if len(v) > 1 {
			return nil, errorf("invalid_request", "%s is given more than once", k)
		}
	}
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		return s.exchangeCode(ctx, c, form)
	case "refresh_token":
		return s.refresh(ctx, c, form)
	case "":
		return nil, errorf("invalid_request", "grant_type is required: authorization_code or refresh_token")
	default:
		return nil, &Error{Code: "unsupported_grant_type", Description: fmt.Sprintf("grant_type %q is not supported (authorization_code and refresh_token are)", clip(gt, 50))}
	}
}

var errGrant = errorf("invalid_grant", "the code is unknown, expired, used already, or was issued to another client or redirect_uri")

// narrow returns the scopes asked for (all of granted when asked is
// empty), or an invalid_scope error when one was not granted.
func narrow(granted, asked string) (string, *Error) {
	if strings.TrimSpace(asked) == "" {
		return granted, nil
	}
	have := strings.Fields(granted)
	var out []string
	for _, sc := range strings.Fields(asked) {
		if !slices.Contains(have, sc) {
			return "", errorf("invalid_scope", "scope %s was not granted by the learner", clip(sc, 100))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return strings.Join(out, " "), nil
}

func (s *Service) exchangeCode(ctx context.Context, c *store.OAuthClient, form url.Values) (*TokenResponse, error) {
	code, verifier := form.Get("code"), form.Get("code_verifier")
	switch {
	case code == "":
		return nil, errorf("invalid_request", "code is required")
	case verifier == "":
		return nil, errorf("invalid_request", "code_verifier is required: this server requires PKCE (RFC 7636)")
	case !validVerifier(verifier):
		return nil, errorf("invalid_request", "code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~")
	case len(code) > 200:
		return nil, errGrant
	}
	t, err := s.st.OAuthTokenByHash(ctx, hash(code))
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, errGrant
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.Kind != store.OAuthCode || t.ClientID != c.ClientID || !now.Before(t.ExpiresAt) {
		return nil, errGrant
	}
	if ru := form.Get("redirect_uri"); ru != t.RedirectURI {
		return nil, errorf("invalid_grant", "redirect_uri must be the one of the authorization request")
	}
	if subtle.ConstantTimeCompare([]byte(ChallengeOf(verifier)), []byte(t.CodeChallenge)) != 1 {
		return nil, errorf("invalid_grant", "code_verifier does not match the code_challenge of the authorization request")
	}
	scope, oerr := narrow(t.Scope, form.Get("scope"))
	if oerr != nil {
		return nil, oerr
	}
	if err := s.useOnce(ctx, c, t, now, "authorization code", "the code was used already; every token issued with it is revoked"); err != nil {
		return nil, err
	}
	return s.issue(ctx, t, scope)
}

// useOnce marks t (a code or a refresh token) used. One used already was
// used twice: whoever holds the tokens of its first use may be an
// attacker, so every token of its family is revoked (RFC 6749 §4.1.2 for
// codes, §10.4 for refresh tokens) and the grant fails with reused.
func (s *Service) useOnce(ctx context.Context, c *store.OAuthClient, t *store.OAuthToken, now time.Time, what, reused string) error {
	ok, err := s.st.UseOAuthToken(ctx, t.Hash, now)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	if err := s.st.DeleteOAuthFamily(ctx, t.Family); err != nil {
		return err
	}
	s.log.WarnContext(ctx, "oauth: "+what+" used twice; every token of its family is revoked", "client_id", c.ClientID, "learner", t.LearnerID)
	return &Error{Code: "invalid_grant", Description: reused}
}

func (s *Service) refresh(ctx context.Context, c *store.OAuthClient, form url.Values) (*TokenResponse, error) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, errorf("invalid_request", "refresh_token is required")
	}
	bad := errorf("invalid_grant", "the refresh token is unknown, expired, revoked, or was issued to another client")
	if len(rt) > 200 {
		return nil, bad
	}
	t, err := s.st.OAuthTokenByHash(ctx, hash(rt))
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, bad
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.Kind != store.OAuthRefresh || t.ClientID != c.ClientID || !now.Before(t.ExpiresAt) {
		return nil, bad
	}
	scope, oerr := narrow(t.Scope, form.Get("scope"))
	if oerr != nil {
		return nil, oerr
	}
	if err := s.useOnce(ctx, c, t, now, "refresh token", "the refresh token was used already; every token of this authorization is revoked"); err != nil {
		return nil, err
	}
	// The refresh token keeps the scopes granted (a narrower access token
	// does not narrow what the next refresh may ask for).
	return s.issueWith(ctx, t, scope, t.Scope)
}

func (s *Service) issue(ctx context.Context, from *store.OAuthToken, scope string) (*TokenResponse, error) {
	return s.issueWith(ctx, from, scope, scope)
}

func (s *Service) issueWith(ctx context.Context, from *store.OAuthToken, scope, refreshScope string) (*TokenResponse, error) {
	now := s.now()
	at, rt := AccessPrefix+auth.NewToken(), RefreshPrefix+auth.NewToken()
	if err := s.st.CreateOAuthToken(ctx, &store.OAuthToken{Hash: hash(at), Kind: store.OAuthAccess, GrantID: from.GrantID,
		Family: from.Family, Scope: scope, ExpiresAt: now.Add(AccessLifetime)}); err != nil {
		return nil, tokenStoreErr(err)
	}
	if err := s.st.CreateOAuthToken(ctx, &store.OAuthToken{Hash: hash(rt), Kind: store.OAuthRefresh, GrantID: from.GrantID,
		Family: from.Family, Scope: refreshScope, ExpiresAt: now.Add(RefreshLifetime)}); err != nil {
		return nil, tokenStoreErr(err)
	}
	return &TokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int(AccessLifetime.Seconds()), RefreshToken: rt, Scope: scope}, nil
}

// tokenStoreErr: the grant was disconnected meanwhile.
func tokenStoreErr(err error) error {
	if cairn.KindOf(err) == cairn.NotFound {
		return errorf("invalid_grant", "the learner disconnected this application")
	}
	return err
}

// Revoke revokes a token of the client (RFC 7009): a refresh token with
// every token of its authorization, an access token alone. An unknown
// token, or one of another client, is no error and changes nothing.
// Errors: *Error (invalid_client, invalid_request), *RateLimitError.
func (s *Service) Revoke(ctx context.Context, id, secret, token string, addr netip.Addr) error {
	if err := s.allowToken(id, addr); err != nil {
		return err
	}
	c, oerr := s.authenticateClient(ctx, id, secret)
	if oerr != nil {
		return oerr
	}
	if token == "" {
		return errorf("invalid_request", "token is required")
	}
	if len(token) > 200 {
		return nil
	}
	t, err := s.st.OAuthTokenByHash(ctx, hash(token))
	if cairn.KindOf(err) == cairn.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if t.ClientID != c.ClientID {
		return nil
	}
	if t.Kind == store.OAuthRefresh {
		err = s.st.DeleteOAuthFamily(ctx, t.Family)
	} else {
		err = s.st.DeleteOAuthToken(ctx, t.Hash)
	}
	if err == nil {
		s.log.InfoContext(ctx, "oauth: token revoked", "client_id", c.ClientID, "kind", t.Kind)
	}
	return err
}

// Access is what an access token allows: one learner, one client, its
// scopes.
type Access struct {
	LearnerID string
	ClientID  string
	GrantID   string
	Scopes    []string
}

// Has reports whether the access includes scope.
func (a *Access) Has(scope string) bool { return slices.Contains(a.Scopes, scope) }

// ErrInvalidToken is the Unauthorized answer to a missing, unknown,
// expired or revoked access token.
var ErrInvalidToken = cairn.Errorf(cairn.Unauthorized, "the access token is missing, unknown, expired or revoked")

// Authenticate finds what an access token allows. Errors: Unauthorized
// (ErrInvalidToken).
func (s *Service) Authenticate(ctx context.Context, token string) (*Access, error) {
	if !strings.HasPrefix(token, AccessPrefix) || len(token) > 200 {
		return nil, ErrInvalidToken
	}
	t, err := s.st.OAuthTokenByHash(ctx, hash(token))
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.Kind != store.OAuthAccess || !now.Before(t.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	if err := s.st.TouchOAuthGrant(ctx, t.GrantID, now); err != nil {
		s.log.WarnContext(ctx, "oauth: recording a grant's use", "err", err)
	}
	return &Access{LearnerID: t.LearnerID, ClientID: t.ClientID, GrantID: t.GrantID, Scopes: strings.Fields(t.Scope)}, nil
}

// Connections returns the applications the learner allowed, the most
// recent first.
func (s *Service) Connections(ctx context.Context, learnerID string) ([]*store.OAuthGrant, error) {
	return s.st.LearnerOAuthGrants(ctx, learnerID)
}

// Disconnect revokes one grant of the learner with all its tokens.
// Errors: NotFound.
func (s *Service) Disconnect(ctx context.Context, learnerID, grantID string) error {
	if err := s.st.DeleteOAuthGrant(ctx, learnerID, grantID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "oauth: application disconnected", "learner", learnerID, "grant", grantID)
	return nil
}

// Sweep removes expired codes and tokens.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	return s.st.DeleteExpiredOAuthTokens(ctx, s.now())
}
