package sso

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/fetch"
)

// Store keeps single sign-on set-ups and applies sign-ins; *store.DB
// implements it.
type Store interface {
	// SSOConfig returns an organization's set-up. Errors: NotFound.
	SSOConfig(ctx context.Context, orgID string) (*Config, error)
	// SSOConfigs returns every organization's set-up, enabled or not.
	SSOConfigs(ctx context.Context) ([]*Config, error)
	// PutSSOConfig creates or replaces c (by OrgID), setting its
	// timestamps. Errors: Invalid, NotFound (no such organization).
	PutSSOConfig(ctx context.Context, c *Config) error
	// ApplySSOLogin finds or creates the account and sets its membership,
	// in one transaction (see [Change]).
	ApplySSOLogin(ctx context.Context, ch Change) (*Applied, error)
	// CreateSSOSession stores s as a session of single sign-on with the
	// organization's provider, in one transaction. Errors: as
	// cairn.SessionStore.CreateSession.
	CreateSSOSession(ctx context.Context, s *cairn.Session, orgID string) error
	// SessionScope returns which organizations a session may act in.
	SessionScope(ctx context.Context, sessionID, accountID string) (Scope, error)

	Organization(ctx context.Context, id string) (*cairn.Organization, error)
	OrganizationBySlug(ctx context.Context, slug string) (*cairn.Organization, error)
	AccountMemberships(ctx context.Context, accountID string) ([]*cairn.Membership, error)
}

// Change is what a sign-in does to the store: the account with Email
// (lower case) is found, or created with Name and PasswordHash (an
// unusable hash: such an account logs in by single sign-on until someone
// sets a password) when Role is not ""; its membership in OrgID becomes
// Role, or is removed when Role is "". The organization's last owner stays
// owner.
type Change struct {
	OrgID        string
	Email        string
	Name         string
	PasswordHash string
	Role         cairn.Role
	// KeepExisting keeps a membership the account has: Role is only for
	// a new member (no role claim: roles are managed in Cairn).
	KeepExisting bool
}

// Applied is what ApplySSOLogin did.
type Applied struct {
	// Account is nil when there was none and Role was "" (no access: no
	// account is created).
	Account *cairn.Account
	Created bool
	// Previous is the role the account had in the organization ("" none);
	// Role the one it has now.
	Previous, Role cairn.Role
	// KeptOwner: the change would have taken the owner role from the
	// organization's last owner, who kept it.
	KeptOwner bool
}

// Scope says which organizations a session may act in.
type Scope struct {
	// SSOOrgID is the organization whose provider started the session;
	// "" for a password session.
	SSOOrgID string
	// NoPassword holds the organizations of the account that allow no
	// password login (for a password session).
	NoPassword map[string]bool
}

// Allows reports whether the session may act in orgID.
func (s Scope) Allows(orgID string) bool {
	if s.SSOOrgID != "" {
		return orgID == s.SSOOrgID
	}
	return !s.NoPassword[orgID]
}

// Filter returns the memberships the scope allows.
func (s Scope) Filter(ms []*cairn.Membership) []*cairn.Membership {
	if s.SSOOrgID == "" && len(s.NoPassword) == 0 {
		return ms
	}
	out := make([]*cairn.Membership, 0, len(ms))
	for _, m := range ms {
		if s.Allows(m.OrgID) {
			out = append(out, m)
		}
	}
	return out
}

// Sealer seals client secrets and flow tokens; *keyring.Keyring
// implements it.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// PasswordHasher makes the password hash of a provisioned account
// (auth.HashPassword).
type PasswordHasher func(ctx context.Context, password string) (string, error)

// Options configure a Service.
type Options struct {
	// BaseURL is the server's public base URL; the redirect URI is
	// BaseURL + CallbackPath. Required.
	BaseURL string
	// AllowPrivate allows providers on private, loopback and link-local
	// addresses, and plain http (CAIRN_SSO_ALLOW_PRIVATE): for a provider
	// on the operator's own network, and for tests.
	AllowPrivate bool
	// HashPassword hashes the random password of a provisioned account;
	// required.
	HashPassword PasswordHasher
	// Timeout bounds each request to a provider (default 10 s).
	Timeout time.Duration
	// Log receives warnings (default slog.Default()).
	Log *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Client, if set, replaces the HTTP client that talks to providers
	// (tests).
	Client *http.Client
}

// CallbackPath is the path, under the base URL, the provider sends the
// browser back to: register BaseURL + CallbackPath as the redirect URI.
const CallbackPath = "/login/oidc/callback"

// FlowTTL is how long a sign-in may take, from the click to the callback.
const FlowTTL = 10 * time.Minute

// providerTTL is how long a provider's discovery document is kept; its
// keys are refreshed by go-oidc when a token names an unknown key.
const providerTTL = time.Hour

// Service configures single sign-on and runs sign-ins. Create it with New.
type Service struct {
	st     Store
	sealer Sealer
	opts   Options
	client *http.Client
	log    *slog.Logger

	mu        sync.Mutex
	providers map[string]*cachedProvider
}

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
	// verifiers by client id
	verifiers map[string]*oidc.IDTokenVerifier
}

// New returns a Service over st.
func New(st Store, sealer Sealer, opts Options) *Service {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Service{st: st, sealer: sealer, opts: opts, log: opts.Log, client: opts.Client, providers: map[string]*cachedProvider{}}
	if s.client == nil {
		s.client = newClient(opts.Timeout, opts.AllowPrivate)
	}
	return s
}

// RedirectURI is the redirect URI to register at every provider.
func (s *Service) RedirectURI() string { return s.opts.BaseURL + CallbackPath }

// errPrivate is the error of a connection refused at dial time.
var errPrivate = errors.New("the provider's host resolves to an address that is not public (the operator can allow them with CAIRN_SSO_ALLOW_PRIVATE)")

func dialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !fetch.PublicAddr(ap.Addr()) {
		return errPrivate
	}
	return nil
}

// newClient returns the client that talks to providers: a timeout, no
// redirects, and unless allowPrivate no proxy and no connection to an
// address that is not public (checked after DNS).
func newClient(timeout time.Duration, allowPrivate bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		t.Proxy = nil
		d.Control = dialControl
	}
	t.DialContext = d.DialContext
	t.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: t, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Config returns an organization's set-up. Errors: NotFound.
func (s *Service) Config(ctx context.Context, orgID string) (*Config, error) {
	return s.st.SSOConfig(ctx, orgID)
}

// PutOptions qualify a Put.
type PutOptions struct {
	// Verified: the caller signed in by this organization's single
	// sign-on (or is a program with an API key), so turning password
	// login off cannot lock the caller out unknowingly.
	Verified bool
}

// Put validates in and stores it as orgID's set-up, sealing a new client
// secret. An enabled set-up must have a provider whose discovery document
// reads. Errors: Invalid (naming the field), NotFound.
func (s *Service) Put(ctx context.Context, orgID string, in Input, po PutOptions) (*Config, error) {
	in.normalize()
	old, err := s.st.SSOConfig(ctx, orgID)
	if cairn.KindOf(err) == cairn.NotFound {
		old, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := in.validate(old, s.opts.AllowPrivate); err != nil {
		return nil, err
	}
	if in.Enabled && !in.PasswordLogin && !po.Verified && (old == nil || old.PasswordLogin || !old.Enabled) {
		return nil, cairn.Invalidf("passwordLogin", "can be turned off only from a session signed in with this organization's single sign-on: "+
			"save with password login allowed, log out, sign in with single sign-on, then turn it off")
	}
	c := &Config{OrgID: orgID, Enabled: in.Enabled, IssuerURL: in.IssuerURL, ClientID: in.ClientID,
		EmailDomains: in.EmailDomains, RoleClaim: in.RoleClaim, RoleMap: in.RoleMap, DefaultRole: in.DefaultRole,
		PasswordLogin: in.PasswordLogin, LoginButton: in.LoginButton}
	if old != nil {
		c.SecretSealed = old.SecretSealed
	}
	if in.ClientSecret != "" {
		if c.SecretSealed, err = s.sealer.Seal([]byte(in.ClientSecret), SecretAAD(orgID)); err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "sealing the client secret")
		}
	}
	if c.Enabled {
		if old == nil || old.IssuerURL != c.IssuerURL {
			s.forget(c.IssuerURL)
		}
		if _, err := s.provider(ctx, c.IssuerURL); err != nil {
			return nil, cairn.Invalidf("issuerUrl", "%s", discoveryProblem(c.IssuerURL, err))
		}
	}
	if err := s.st.PutSSOConfig(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Button is an organization one can sign in to by single sign-on.
type Button struct {
	Slug, Name string
}

// Buttons returns the organizations whose login button is on, by name.
func (s *Service) Buttons(ctx context.Context) ([]Button, error) {
	return s.buttons(ctx, func(c *Config) bool { return c.LoginButton })
}

// ForEmail returns the organizations whose single sign-on accepts email's
// domain, by name.
func (s *Service) ForEmail(ctx context.Context, email string) ([]Button, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.buttons(ctx, func(c *Config) bool { return c.AllowsDomain(email) })
}

func (s *Service) buttons(ctx context.Context, keep func(*Config) bool) ([]Button, error) {
	cs, err := s.st.SSOConfigs(ctx)
	if err != nil {
		return nil, err
	}
	var bs []Button
	for _, c := range cs {
		if !c.Enabled || !keep(c) {
			continue
		}
		org, err := s.st.Organization(ctx, c.OrgID)
		if err != nil {
			return nil, err
		}
		bs = append(bs, Button{Slug: org.Slug, Name: org.Name})
	}
	slices.SortFunc(bs, func(a, b Button) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), strings.Compare(a.Slug, b.Slug))
	})
	return bs, nil
}

// Scope returns which organizations a session may act in (see [Scope]).
func (s *Service) Scope(ctx context.Context, sessionID, accountID string) (Scope, error) {
	return s.st.SessionScope(ctx, sessionID, accountID)
}

// PasswordRefused returns, when every organization of the account
// refuses password login, those organizations (to offer their single
// sign-on instead); nil when a password session would act in at least
// one, or the account belongs to none.
func (s *Service) PasswordRefused(ctx context.Context, accountID string) ([]Button, error) {
	ms, err := s.st.AccountMemberships(ctx, accountID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	sc, err := s.st.SessionScope(ctx, "", accountID)
	if err != nil {
		return nil, err
	}
	if len(sc.Filter(ms)) > 0 {
		return nil, nil
	}
	var bs []Button
	for _, m := range ms {
		org, err := s.st.Organization(ctx, m.OrgID)
		if err != nil {
			return nil, err
		}
		bs = append(bs, Button{Slug: org.Slug, Name: org.Name})
	}
	return bs, nil
}

// provider returns the provider at issuer, from discovery (cached for
// providerTTL).
func (s *Service) provider(ctx context.Context, issuer string) (*cachedProvider, error) {
	now := s.opts.Now()
	s.mu.Lock()
	cp := s.providers[issuer]
	s.mu.Unlock()
	if cp != nil && now.Sub(cp.fetched) < providerTTL && !now.Before(cp.fetched) {
		return cp, nil
	}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, s.client), s.opts.Timeout)
	defer cancel()
	p, err := oidc.NewProvider(dctx, issuer)
	if err != nil {
		return nil, err
	}
	cp = &cachedProvider{p: p, fetched: now, verifiers: map[string]*oidc.IDTokenVerifier{}}
	s.mu.Lock()
	if len(s.providers) > 1000 {
		clear(s.providers)
	}
	s.providers[issuer] = cp
	s.mu.Unlock()
	return cp, nil
}

// verifier returns the ID token verifier of a client at a provider.
func (s *Service) verifier(cp *cachedProvider, clientID string) *oidc.IDTokenVerifier {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := cp.verifiers[clientID]
	if v == nil {
		v = cp.p.Verifier(&oidc.Config{ClientID: clientID, Now: s.opts.Now})
		cp.verifiers[clientID] = v
	}
	return v
}

func (s *Service) forget(issuer string) {
	s.mu.Lock()
	delete(s.providers, issuer)
	s.mu.Unlock()
}

// discoveryProblem says in a sentence why discovery failed, without the
// body of the provider's answer.
func discoveryProblem(issuer string, err error) string {
	var mm *oidc.IssuerMismatchError
	if errors.As(err, &mm) {
		return "the provider's discovery document names the issuer " + mm.Discovered + ", not " + mm.Provided + ": use exactly that issuer URL"
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return "Cairn could not read the provider's discovery document at " + strings.TrimSuffix(issuer, "/") +
		"/.well-known/openid-configuration: " + msg
}

// LoginChoices returns what the login page shows: whether any
// organization signs in by single sign-on (to offer the email form), and
// the buttons.
func (s *Service) LoginChoices(ctx context.Context) (on bool, buttons []Button, err error) {
	cs, err := s.st.SSOConfigs(ctx)
	if err != nil {
		return false, nil, err
	}
	for _, c := range cs {
		on = on || c.Enabled
	}
	if !on {
		return false, nil, nil
	}
	buttons, err = s.Buttons(ctx)
	return on, buttons, err
}

// StartSession stores s as a session started by orgID's single sign-on:
// it acts in that organization only.
func (s *Service) StartSession(ctx context.Context, sess *cairn.Session, orgID string) error {
	return s.st.CreateSSOSession(ctx, sess, orgID)
}

// LoginURL is the link that signs in to an organization directly.
func (s *Service) LoginURL(orgSlug string) string {
	return s.opts.BaseURL + "/login/sso/" + url.PathEscape(orgSlug)
}
