package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cairn-badges/cairn"
)

// Refusal is a sign-in refused for a reason a person can act on; Status
// is the HTTP status to answer.
type Refusal struct {
	Status  int
	Heading string
	Text    string
	// Org is the organization signed in to, when known (to offer a retry).
	Org *cairn.Organization
	err error
}

func (r *Refusal) Error() string {
	if r.err != nil {
		return "sso: " + r.Heading + ": " + r.Text + ": " + r.err.Error()
	}
	return "sso: " + r.Heading + ": " + r.Text
}

func (r *Refusal) Unwrap() error { return r.err }

func refuse(status int, heading, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Heading: heading, Text: fmt.Sprintf(format, args...)}
}

// flow is the state of one sign-in between Begin and Finish, sealed into
// the flow token.
type flow struct {
	OrgID    string `json:"o"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

// flowAAD binds flow tokens to their use.
var flowAAD = []byte("cairn sso flow")

// MaxFlowTokenLen caps a flow token read from a cookie.
const MaxFlowTokenLen = 2048

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a sign-in to the organization with the slug: it returns
// the provider's authorization URL to send the browser to, and the flow
// token to keep in a cookie until the callback (for FlowTTL). next is
// where to go after (kept as given; the caller checks it). Errors: a
// *Refusal (no such organization, single sign-on off, provider
// unreachable).
func (s *Service) Begin(ctx context.Context, orgSlug, next string) (authURL, token string, err error) {
	org, err := s.st.OrganizationBySlug(ctx, orgSlug)
	if cairn.KindOf(err) == cairn.NotFound {
		return "", "", refuse(http.StatusNotFound, "No such organization",
			"No organization on this server is called %q. Check the link, or log in with your email and password.", orgSlug)
	}
	if err != nil {
		return "", "", err
	}
	c, err := s.st.SSOConfig(ctx, org.ID)
	if cairn.KindOf(err) == cairn.NotFound || err == nil && !c.Enabled {
		return "", "", &Refusal{Status: http.StatusNotFound, Heading: "Single sign-on is off",
			Text: org.Name + " does not sign in with single sign-on on this server. Log in with your email and password.", Org: org}
	}
	if err != nil {
		return "", "", err
	}
	cp, err := s.provider(ctx, c.IssuerURL)
	if err != nil {
		s.log.WarnContext(ctx, "sso: provider discovery", "org", org.ID, "issuer", c.IssuerURL, "err", err)
		return "", "", &Refusal{Status: http.StatusBadGateway, Heading: "The sign-in service does not answer", Org: org, err: err,
			Text: fmt.Sprintf("Cairn could not reach %s's sign-in service (%s). Try again in a few minutes; if it goes on, tell an owner of %s.",
				org.Name, c.IssuerURL, org.Name)}
	}
	f := flow{OrgID: org.ID, State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Next: next, Expires: s.opts.Now().Add(FlowTTL).Unix()}
	b, err := json.Marshal(f)
	if err != nil {
		return "", "", err
	}
	sealed, err := s.sealer.Seal(b, flowAAD)
	if err != nil {
		return "", "", cairn.Wrapf(cairn.Internal, err, "sealing the sign-in state")
	}
	oc := s.oauth(c, cp, "")
	authURL = oc.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return authURL, base64.RawURLEncoding.EncodeToString(sealed), nil
}

func (s *Service) oauth(c *Config, cp *cachedProvider, secret string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: secret, Endpoint: cp.p.Endpoint(),
		RedirectURL: s.RedirectURI(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// Login is a sign-in that succeeded.
type Login struct {
	Org     *cairn.Organization
	Account *cairn.Account
	Role    cairn.Role
	Created bool
	// KeptOwner: the provider's claims would have taken the owner role
	// from the organization's last owner, who kept it.
	KeptOwner bool
	// Next is the next of Begin.
	Next string
}

// Finish completes the sign-in whose flow token the browser sent back with
// the callback's query (code and state, or error). Errors: a *Refusal for
// everything a person or the provider got wrong; others are internal.
func (s *Service) Finish(ctx context.Context, token string, q url.Values) (*Login, error) {
	f, err := s.openFlow(token)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return nil, refuse(http.StatusBadRequest, "Sign-in refused",
			"The answer from the sign-in service does not belong to the sign-in this browser started (the state does not match): "+
				"it may have been started again in another tab. Start again.")
	}
	org, err := s.st.Organization(ctx, f.OrgID)
	if cairn.KindOf(err) == cairn.NotFound {
		return nil, refuse(http.StatusNotFound, "No such organization", "The organization of this sign-in no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	withOrg := func(r *Refusal) *Refusal { r.Org = org; return r }
	if e := q.Get("error"); e != "" {
		desc := q.Get("error_description")
		if len(desc) > 300 {
			desc = desc[:300] + "…"
		}
		text := fmt.Sprintf("%s's sign-in service did not sign you in (%s", org.Name, e)
		if desc != "" {
			text += ": " + desc
		}
		return nil, withOrg(refuse(http.StatusForbidden, "Sign-in refused by the provider", "%s).", text))
	}
	code := q.Get("code")
	if code == "" {
		return nil, withOrg(refuse(http.StatusBadRequest, "Sign-in refused", "The sign-in service sent no authorization code back. Start again."))
	}
	c, err := s.st.SSOConfig(ctx, org.ID)
	if cairn.KindOf(err) == cairn.NotFound || err == nil && !c.Enabled {
		return nil, withOrg(refuse(http.StatusForbidden, "Single sign-on is off", "%s turned single sign-on off. Log in with your email and password.", org.Name))
	}
	if err != nil {
		return nil, err
	}
	cp, err := s.provider(ctx, c.IssuerURL)
	if err != nil {
		return nil, &Refusal{Status: http.StatusBadGateway, Heading: "The sign-in service does not answer", Org: org, err: err,
			Text: fmt.Sprintf("Cairn could not reach %s's sign-in service (%s). Try again in a few minutes.", org.Name, c.IssuerURL)}
	}
	secret, err := s.sealer.Open(c.SecretSealed, SecretAAD(org.ID))
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "opening the client secret of organization %s", org.ID)
	}
	hctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, s.client), s.opts.Timeout)
	defer cancel()
	oc := s.oauth(c, cp, string(secret))
	tok, err := oc.Exchange(hctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		s.log.WarnContext(ctx, "sso: code exchange", "org", org.ID, "err", err)
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			reason := re.ErrorCode
			if re.ErrorDescription != "" {
				reason += ": " + re.ErrorDescription
			}
			if reason == "" {
				reason = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
			}
			if len(reason) > 300 {
				reason = reason[:300] + "…"
			}
			return nil, &Refusal{Status: http.StatusBadGateway, Heading: "Sign-in refused by the provider", Org: org, err: err,
				Text: fmt.Sprintf("%s's sign-in service did not accept Cairn's request for your tokens (%s). "+
					"If this goes on, an owner should check the client id and secret in Cairn's single sign-on settings.", org.Name, reason)}
		}
		return nil, &Refusal{Status: http.StatusBadGateway, Heading: "The sign-in service does not answer", Org: org, err: err,
			Text: fmt.Sprintf("Cairn could not reach %s's sign-in service to finish signing you in. Try again in a few minutes.", org.Name)}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, withOrg(refuse(http.StatusBadGateway, "Sign-in refused", "%s's sign-in service sent no ID token (is the openid scope allowed for Cairn's client?).", org.Name))
	}
	idt, err := s.verifier(cp, c.ClientID).Verify(hctx, raw)
	if err != nil {
		s.log.WarnContext(ctx, "sso: ID token", "org", org.ID, "err", err)
		return nil, &Refusal{Status: http.StatusForbidden, Heading: "Sign-in refused", Org: org, err: err,
			Text: "The ID token from " + org.Name + "'s sign-in service did not verify: " + tokenProblem(err)}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return nil, withOrg(refuse(http.StatusForbidden, "Sign-in refused",
			"The ID token does not carry the nonce of the sign-in this browser started: it was made for another sign-in. Start again."))
	}
	var claims Claims
	if err := idt.Claims(&claims); err != nil {
		return nil, withOrg(refuse(http.StatusForbidden, "Sign-in refused", "The ID token's claims do not read as JSON."))
	}
	s.addUserInfo(hctx, cp, oc, tok, idt.Subject, claims, c.RoleClaim)
	return s.apply(ctx, org, c, claims, f.Next)
}

// addUserInfo fills the claims the ID token lacks (email, email_verified,
// name, the role claim) from the UserInfo endpoint, when the provider has
// one; its subject must be the ID token's.
func (s *Service) addUserInfo(ctx context.Context, cp *cachedProvider, oc *oauth2.Config, tok *oauth2.Token, sub string, claims Claims, roleClaim string) {
	_, hasEmail := claims["email"]
	_, hasVerified := claims["email_verified"]
	_, hasRoles := claims.lookup(roleClaim)
	if hasEmail && hasVerified && (roleClaim == "" || hasRoles) || cp.p.UserInfoEndpoint() == "" {
		return
	}
	ui, err := cp.p.UserInfo(ctx, oc.TokenSource(ctx, tok))
	if err != nil {
		s.log.WarnContext(ctx, "sso: userinfo", "err", err)
		return
	}
	if ui.Subject != sub {
		s.log.WarnContext(ctx, "sso: userinfo answered for another subject", "id_token_sub", sub, "userinfo_sub", ui.Subject)
		return
	}
	var more Claims
	if err := ui.Claims(&more); err != nil {
		return
	}
	for k, v := range more {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
}

// apply checks the claims against the organization's set-up and applies
// the sign-in to the store.
func (s *Service) apply(ctx context.Context, org *cairn.Organization, c *Config, claims Claims, next string) (*Login, error) {
	r := func(status int, heading, format string, args ...any) (*Login, error) {
		rf := refuse(status, heading, format, args...)
		rf.Org = org
		return nil, rf
	}
	email, ok := claims.String("email")
	email = strings.ToLower(strings.TrimSpace(email))
	if !ok || email == "" {
		return r(http.StatusForbidden, "No email address", "%s's sign-in service did not send the email claim, which Cairn needs to know who you are. "+
			"An owner should allow the email scope (and, with Microsoft Entra ID, add the optional claim email) for Cairn's client.", org.Name)
	}
	if len(email) > 320 || !strings.Contains(email, "@") {
		return r(http.StatusForbidden, "No email address", "The email claim (%q) is not an email address.", truncate(email, 100))
	}
	verified, present := claims.Bool("email_verified")
	if !verified {
		if edov, _ := claims.Bool("xms_edov"); edov {
			verified = true
		}
	}
	if !verified {
		if !present {
			return r(http.StatusForbidden, "Email address not verified", "%s's sign-in service did not say that %s is verified: "+
				"the email_verified claim is missing. Cairn signs in only verified addresses.", org.Name, email)
		}
		return r(http.StatusForbidden, "Email address not verified", "%s's sign-in service says that %s is not verified (email_verified is false). "+
			"Verify it there, then sign in again.", org.Name, email)
	}
	if !c.AllowsDomain(email) {
		return r(http.StatusForbidden, "Email domain not allowed", "%s signs in addresses at %s only; %s is at %s. "+
			"Sign in with your address at %s, or ask an owner of %s to add the domain.",
			org.Name, strings.Join(c.EmailDomains, ", "), email, domainOf(email), strings.Join(c.EmailDomains, ", "), org.Name)
	}
	var values []string
	missing := false // the role claim is not there
	if c.RoleClaim != "" {
		var present bool
		var err error
		values, present, err = claims.Values(c.RoleClaim)
		if err != nil {
			return r(http.StatusForbidden, "Roles not readable", "%s. An owner should check the role claim in Cairn's single sign-on settings.", upperFirst(err.Error()))
		}
		missing = !present
	}
	role, _ := c.RoleFor(values)
	name, _ := claims.String("name")
	hash := ""
	if role != "" {
		var err error
		if hash, err = s.opts.HashPassword(ctx, randomString()); err != nil {
			return nil, err
		}
	}
	ap, err := s.st.ApplySSOLogin(ctx, Change{OrgID: org.ID, Email: email, Name: truncate(strings.TrimSpace(name), 200), PasswordHash: hash, Role: role,
		KeepExisting: c.RoleClaim == ""})
	if err != nil {
		return nil, err
	}
	if ap.KeptOwner {
		s.log.WarnContext(ctx, "sso: the claims would take the owner role from the organization's last owner, who keeps it",
			"org", org.ID, "account", ap.Account.ID, "claim", c.RoleClaim, "values", values, "mapped_role", string(role))
	}
	if ap.Role == "" {
		text := fmt.Sprintf("You signed in as %s, but %s gives you no role in Cairn", email, org.Name)
		switch {
		case c.RoleClaim == "":
		case missing:
			text += fmt.Sprintf(": its sign-in service did not send the %s claim, from which Cairn reads your role, and there is no default role. "+
				"An owner should have the provider send %s for Cairn's client", c.RoleClaim, c.RoleClaim)
		case len(values) == 0:
			text += fmt.Sprintf(": the %s claim lists nothing", c.RoleClaim)
		default:
			text += fmt.Sprintf(": none of the values of the %s claim (%s) maps to a role", c.RoleClaim, truncate(strings.Join(values, ", "), 300))
		}
		text += "."
		if ap.Previous != "" {
			text += fmt.Sprintf(" Your former role (%s) was removed.", ap.Previous)
		}
		text += " Ask an owner of " + org.Name + " to give you access."
		return r(http.StatusForbidden, "No access", "%s", text)
	}
	return &Login{Org: org, Account: ap.Account, Role: ap.Role, Created: ap.Created, KeptOwner: ap.KeptOwner, Next: next}, nil
}

// openFlow opens a flow token and checks its expiry.
func (s *Service) openFlow(token string) (*flow, error) {
	expired := refuse(http.StatusBadRequest, "Sign-in expired",
		"This sign-in was not started in this browser, or took longer than 10 minutes. Start again from the login page.")
	if token == "" || len(token) > MaxFlowTokenLen {
		return nil, expired
	}
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, expired
	}
	b, err := s.sealer.Open(sealed, flowAAD)
	if err != nil {
		return nil, expired
	}
	var f flow
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, expired
	}
	if !s.opts.Now().Before(time.Unix(f.Expires, 0)) {
		return nil, expired
	}
	return &f, nil
}

// tokenProblem says why an ID token did not verify.
func tokenProblem(err error) string {
	var exp *oidc.TokenExpiredError
	if errors.As(err, &exp) {
		return "it expired at " + exp.Expiry.UTC().Format(time.RFC3339) + " (is this server's clock right?)."
	}
	msg := strings.TrimPrefix(err.Error(), "oidc: ")
	return truncate(msg, 300) + "."
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
