package sso_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/oidctest"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/store"
)

type env struct {
	t     *testing.T
	db    *store.DB
	svc   *sso.Service
	idp   *oidctest.Provider
	org   *cairn.Organization
	owner *cairn.Account
	now   time.Time
	log   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv starts a store, a provider and a service, with organization
// "tuni" (owner boss@tuni.example) set up to sign in at the provider:
// groups "badge-admins" → owner, "badge-issuers" → issuer, "staff" →
// viewer, nothing else → no access.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, idp: oidctest.New(), now: time.Now(), log: &syncBuffer{}}
	t.Cleanup(e.idp.Close)
	e.svc = sso.New(db, kr, sso.Options{BaseURL: "http://cairn.test", AllowPrivate: true,
		HashPassword: func(context.Context, string) (string, error) { return "unusable-test-hash", nil },
		Log:          slog.New(slog.NewTextHandler(e.log, nil)), Now: func() time.Time { return e.now }})
	e.org = &cairn.Organization{Slug: "tuni", Name: "Tampere University"}
	e.owner = &cairn.Account{Email: "boss@tuni.example", Name: "Boss", PasswordHash: "x"}
	if err := db.CreateOrganizationWithOwner(ctx, e.org, e.owner, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Put(ctx, e.org.ID, e.input(), sso.PutOptions{}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	return e
}

func (e *env) input() sso.Input {
	return sso.Input{Enabled: true, IssuerURL: e.idp.Issuer(), ClientID: e.idp.ClientID, ClientSecret: e.idp.ClientSecret,
		EmailDomains: []string{"tuni.example"}, RoleClaim: "groups", PasswordLogin: true, LoginButton: true,
		RoleMap: []sso.RoleMapping{{Value: "badge-admins", Role: cairn.RoleOwner}, {Value: "badge-issuers", Role: cairn.RoleIssuer},
			{Value: "staff", Role: cairn.RoleViewer}}}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize runs Begin and the provider's authorization endpoint, and
// returns the flow token and the callback's query.
func (e *env) authorize(slug string) (string, url.Values) {
	e.t.Helper()
	authURL, token, err := e.svc.Begin(context.Background(), slug, "/admin/awards")
	if err != nil {
		e.t.Fatalf("Begin: %v", err)
	}
	resp, err := noRedirect.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), "http://cairn.test"+sso.CallbackPath) {
		e.t.Fatalf("authorization answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return token, loc.Query()
}

// signIn signs in as user; it returns the login or the refusal.
func (e *env) signIn(user map[string]any) (*sso.Login, error) {
	e.t.Helper()
	e.idp.SetUser(user)
	token, q := e.authorize("tuni")
	return e.svc.Finish(context.Background(), token, q)
}

func (e *env) role(email string) cairn.Role {
	e.t.Helper()
	ctx := context.Background()
	a, err := e.db.AccountByEmail(ctx, email)
	if cairn.KindOf(err) == cairn.NotFound {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := e.db.Membership(ctx, e.org.ID, a.ID)
	if cairn.KindOf(err) == cairn.NotFound {
		return ""
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return m.Role
}

// refusal fails t unless err is a *sso.Refusal with the status whose
// text contains every one of want.
func refusal(t *testing.T, err error, status int, want ...string) {
	t.Helper()
	var rf *sso.Refusal
	if !errors.As(err, &rf) {
		t.Fatalf("error %v is not a refusal", err)
	}
	if rf.Status != status {
		t.Errorf("refusal %q: status %d, want %d", rf.Text, rf.Status, status)
	}
	for _, w := range want {
		if !strings.Contains(rf.Heading+" "+rf.Text, w) {
			t.Errorf("refusal %q / %q does not say %q", rf.Heading, rf.Text, w)
		}
	}
}

func ada(groups ...any) map[string]any {
	return map[string]any{"email": "Ada@tuni.example", "email_verified": true, "name": "Ada Lovelace", "groups": groups}
}

func TestSignInMapsRoles(t *testing.T) {
	e := newEnv(t)
	l, err := e.signIn(ada("staff", "badge-issuers", "unrelated"))
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if !l.Created || l.Role != cairn.RoleIssuer || l.Account.Email != "ada@tuni.example" || l.Account.Name != "Ada Lovelace" ||
		l.Org.ID != e.org.ID || l.Next != "/admin/awards" {
		t.Fatalf("login = %+v", l)
	}
	if got := e.role("ada@tuni.example"); got != cairn.RoleIssuer {
		t.Fatalf("membership = %q, want issuer", got)
	}
	// PKCE: the authorization request carried an S256 challenge and
	// the provider (which checks the verifier) exchanged the code.
	if q := e.idp.LastAuthorize(); q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" ||
		q.Get("scope") != "openid email profile" || q.Get("redirect_uri") != "http://cairn.test"+sso.CallbackPath {
		t.Fatalf("authorization request %v", q)
	}
	if e.idp.TokenRequests() != 1 {
		t.Fatalf("%d token requests", e.idp.TokenRequests())
	}
}

func TestRoleChangesAtNextSignIn(t *testing.T) {
	e := newEnv(t)
	if _, err := e.signIn(ada("badge-admins")); err != nil {
		t.Fatal(err)
	}
	if got := e.role("ada@tuni.example"); got != cairn.RoleOwner {
		t.Fatalf("first sign-in: %q, want owner", got)
	}
	l, err := e.signIn(ada("staff"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Created || l.Role != cairn.RoleViewer || e.role("ada@tuni.example") != cairn.RoleViewer {
		t.Fatalf("second sign-in: %+v, membership %q; want viewer", l, e.role("ada@tuni.example"))
	}
	// The group is taken away: so is the access.
	_, err = e.signIn(ada("unrelated"))
	refusal(t, err, http.StatusForbidden, "No access", "none of the values of the groups claim (unrelated)", "former role (viewer) was removed")
	if got := e.role("ada@tuni.example"); got != "" {
		t.Fatalf("after the group was removed the membership is %q", got)
	}
	// A default role gives access when nothing maps.
	in := e.input()
	in.DefaultRole = cairn.RoleViewer
	if _, err := e.svc.Put(context.Background(), e.org.ID, in, sso.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if l, err := e.signIn(ada()); err != nil || l.Role != cairn.RoleViewer {
		t.Fatalf("with a default role: %+v, %v", l, err)
	}
}

func TestLastOwnerKept(t *testing.T) {
	e := newEnv(t)
	l, err := e.signIn(map[string]any{"email": "boss@tuni.example", "email_verified": true, "groups": []any{"staff"}})
	if err != nil {
		t.Fatalf("the last owner was refused: %v", err)
	}
	if !l.KeptOwner || l.Role != cairn.RoleOwner || e.role("boss@tuni.example") != cairn.RoleOwner {
		t.Fatalf("last owner demoted: %+v, membership %q", l, e.role("boss@tuni.example"))
	}
	if !strings.Contains(e.log.String(), "last owner") || !strings.Contains(e.log.String(), "level=WARN") {
		t.Fatalf("no warning logged: %s", e.log.String())
	}
	// No group at all: still owner.
	if l, err := e.signIn(map[string]any{"email": "boss@tuni.example", "email_verified": true}); err != nil || l.Role != cairn.RoleOwner {
		t.Fatalf("last owner without groups: %+v, %v", l, err)
	}
	// With a second owner, the first can be demoted.
	if _, err := e.signIn(ada("badge-admins")); err != nil {
		t.Fatal(err)
	}
	l, err = e.signIn(map[string]any{"email": "boss@tuni.example", "email_verified": true, "groups": []any{"staff"}})
	if err != nil || l.KeptOwner || l.Role != cairn.RoleViewer {
		t.Fatalf("one of two owners: %+v, %v", l, err)
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		user   map[string]any
		tamper oidctest.Tamper
		status int
		want   []string
	}{
		{"unverified email", map[string]any{"email": "ada@tuni.example", "email_verified": false, "groups": []any{"staff"}},
			oidctest.Tamper{}, http.StatusForbidden, []string{"not verified", "email_verified is false"}},
		{"no email_verified claim", map[string]any{"email": "ada@tuni.example", "groups": []any{"staff"}},
			oidctest.Tamper{}, http.StatusForbidden, []string{"email_verified claim is missing"}},
		{"no email", map[string]any{"sub": "42", "email_verified": true},
			oidctest.Tamper{}, http.StatusForbidden, []string{"did not send the email claim"}},
		{"disallowed domain", map[string]any{"email": "ada@gmail.example", "email_verified": true, "groups": []any{"badge-admins"}},
			oidctest.Tamper{}, http.StatusForbidden, []string{"Email domain not allowed", "tuni.example only", "gmail.example"}},
		{"bad nonce", ada("staff"), oidctest.Tamper{Nonce: "someone-elses"}, http.StatusForbidden, []string{"nonce"}},
		{"wrong audience", ada("staff"), oidctest.Tamper{Audience: "another-client"}, http.StatusForbidden, []string{"did not verify", "audience"}},
		{"wrong issuer", ada("staff"), oidctest.Tamper{Issuer: "https://evil.example"}, http.StatusForbidden, []string{"did not verify", "different provider", "evil.example"}},
		{"expired ID token", ada("staff"), oidctest.Tamper{ExpiresIn: -time.Minute}, http.StatusForbidden, []string{"did not verify", "expired"}},
		{"role claim of the wrong type", map[string]any{"email": "ada@tuni.example", "email_verified": true, "groups": map[string]any{"a": 1}},
			oidctest.Tamper{}, http.StatusForbidden, []string{"groups", "object"}},
		{"no role claim and no default", map[string]any{"email": "ada@tuni.example", "email_verified": true},
			oidctest.Tamper{}, http.StatusForbidden, []string{"did not send the groups claim"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.idp.SetTamper(tc.tamper)
			_, err := e.signIn(tc.user)
			refusal(t, err, tc.status, tc.want...)
			if got := e.role("ada@tuni.example"); got != "" {
				t.Fatalf("a refused sign-in left membership %q", got)
			}
		})
	}
}

func TestUserInfoFillsMissingClaims(t *testing.T) {
	e := newEnv(t)
	e.idp.SetTamper(oidctest.Tamper{OmitFromIDToken: []string{"email_verified", "groups"}})
	l, err := e.signIn(ada("badge-issuers"))
	if err != nil || l.Role != cairn.RoleIssuer {
		t.Fatalf("sign-in with claims in UserInfo only: %+v, %v", l, err)
	}
}

func TestBadStateAndFlow(t *testing.T) {
	e := newEnv(t)
	e.idp.SetUser(ada("staff"))
	ctx := context.Background()

	token, q := e.authorize("tuni")
	q.Set("state", "forged")
	_, err := e.svc.Finish(ctx, token, q)
	refusal(t, err, http.StatusBadRequest, "state does not match")

	// The callback of one flow with the cookie of another.
	token1, _ := e.authorize("tuni")
	_, q2 := e.authorize("tuni")
	_, err = e.svc.Finish(ctx, token1, q2)
	refusal(t, err, http.StatusBadRequest, "state")

	// No cookie, a forged one, an expired one.
	_, q = e.authorize("tuni")
	for _, tok := range []string{"", "bm90IGEgc2VhbGVkIGZsb3c", strings.Repeat("A", 5000)} {
		_, err = e.svc.Finish(ctx, tok, q)
		refusal(t, err, http.StatusBadRequest, "Sign-in expired")
	}
	token, q = e.authorize("tuni")
	e.now = e.now.Add(sso.FlowTTL + time.Second)
	_, err = e.svc.Finish(ctx, token, q)
	refusal(t, err, http.StatusBadRequest, "Sign-in expired")
	e.now = time.Now()

	// The provider says no.
	token, q = e.authorize("tuni")
	_, err = e.svc.Finish(ctx, token, url.Values{"state": {q.Get("state")}, "error": {"access_denied"}, "error_description": {"User said no"}})
	refusal(t, err, http.StatusForbidden, "access_denied", "User said no")

	// A code used twice: the provider refuses the second exchange.
	token, q = e.authorize("tuni")
	if _, err := e.svc.Finish(ctx, token, q); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Finish(ctx, token, q)
	refusal(t, err, http.StatusBadGateway, "invalid_grant")

	// Unknown organization; single sign-on off.
	_, _, err = e.svc.Begin(ctx, "nope", "")
	refusal(t, err, http.StatusNotFound, "nope")
	in := e.input()
	in.Enabled = false
	if _, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Begin(ctx, "tuni", "")
	refusal(t, err, http.StatusNotFound, "does not sign in with single sign-on")
}

func TestPutValidates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, field string
		edit        func(*sso.Input)
	}{
		{"no issuer", "issuerUrl", func(in *sso.Input) { in.IssuerURL = "" }},
		{"issuer with a query", "issuerUrl", func(in *sso.Input) { in.IssuerURL += "?x=1" }},
		{"discovery URL", "issuerUrl", func(in *sso.Input) { in.IssuerURL += "/.well-known/openid-configuration" }},
		{"no provider there", "issuerUrl", func(in *sso.Input) { in.IssuerURL += "/nothing" }},
		{"no client id", "clientId", func(in *sso.Input) { in.ClientID = " " }},
		{"no domain", "emailDomains", func(in *sso.Input) { in.EmailDomains = nil }},
		{"bad domain", "emailDomains", func(in *sso.Input) { in.EmailDomains = []string{"*.example.org"} }},
		{"bad mapped role", "roleMappings", func(in *sso.Input) { in.RoleMap = []sso.RoleMapping{{Value: "x", Role: "admin"}} }},
		{"value mapped twice", "roleMappings", func(in *sso.Input) {
			in.RoleMap = []sso.RoleMapping{{Value: "x", Role: cairn.RoleOwner}, {Value: "x", Role: cairn.RoleViewer}}
		}},
		{"mappings without claim", "roleClaim", func(in *sso.Input) { in.RoleClaim = "" }},
		{"bad default role", "defaultRole", func(in *sso.Input) { in.DefaultRole = "admin" }},
		{"password off unverified", "passwordLogin", func(in *sso.Input) { in.PasswordLogin = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := e.input()
			tc.edit(&in)
			_, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{})
			if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != tc.field {
				t.Fatalf("Put: %v (kind %v, field %q), want Invalid on %s", err, cairn.KindOf(err), cairn.FieldOf(err), tc.field)
			}
		})
	}
	// The secret is kept when left out; domains are normalized.
	in := e.input()
	in.ClientSecret, in.EmailDomains = "", []string{" @TUNI.example ", "tuni.example", ""}
	c, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{})
	if err != nil || len(c.SecretSealed) == 0 || len(c.EmailDomains) != 1 || c.EmailDomains[0] != "tuni.example" {
		t.Fatalf("Put keeping the secret: %+v, %v", c, err)
	}
	if l, err := e.signIn(ada("staff")); err != nil || l.Role != cairn.RoleViewer {
		t.Fatalf("sign-in with the kept secret: %+v, %v", l, err)
	}
	// Verified callers may turn password login off.
	in.PasswordLogin = false
	if _, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{Verified: true}); err != nil {
		t.Fatal(err)
	}
	// A server that does not allow private addresses refuses them.
	strict := sso.New(e.db, nil, sso.Options{BaseURL: "https://cairn.example"})
	for _, u := range []string{e.idp.Issuer(), "http://idp.example.org", "https://localhost/x", "https://10.1.2.3/realms/x"} {
		in := e.input()
		in.IssuerURL = u
		if _, err := strict.Put(ctx, e.org.ID, in, sso.PutOptions{}); cairn.FieldOf(err) != "issuerUrl" {
			t.Errorf("Put %s on a strict server: %v", u, err)
		}
	}
}

func TestChoices(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	on, bs, err := e.svc.LoginChoices(ctx)
	if err != nil || !on || len(bs) != 1 || bs[0].Slug != "tuni" || bs[0].Name != "Tampere University" {
		t.Fatalf("LoginChoices = %v, %v, %v", on, bs, err)
	}
	if bs, _ := e.svc.ForEmail(ctx, " Ada@TUNI.example"); len(bs) != 1 {
		t.Fatalf("ForEmail = %v", bs)
	}
	if bs, _ := e.svc.ForEmail(ctx, "ada@other.example"); len(bs) != 0 {
		t.Fatalf("ForEmail of another domain = %v", bs)
	}
	if got := e.svc.LoginURL("tuni"); got != "http://cairn.test/login/sso/tuni" {
		t.Fatalf("LoginURL = %s", got)
	}
	// Password login refused only when every organization refuses it.
	in := e.input()
	in.PasswordLogin = false
	if _, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{Verified: true}); err != nil {
		t.Fatal(err)
	}
	if bs, err := e.svc.PasswordRefused(ctx, e.owner.ID); err != nil || len(bs) != 1 || bs[0].Slug != "tuni" {
		t.Fatalf("PasswordRefused = %v, %v", bs, err)
	}
	other := &cairn.Organization{Slug: "other", Name: "Other"}
	if err := e.db.CreateOrganization(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetMembership(ctx, cairn.Membership{OrgID: other.ID, AccountID: e.owner.ID, Role: cairn.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	if bs, err := e.svc.PasswordRefused(ctx, e.owner.ID); err != nil || bs != nil {
		t.Fatalf("PasswordRefused with a password organization = %v, %v", bs, err)
	}
}

// TestNoRoleClaimKeepsRoles: without a role claim a new member gets the
// default role, and an existing member's role (managed in Cairn) stays.
func TestNoRoleClaimKeepsRoles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	in := e.input()
	in.RoleClaim, in.RoleMap, in.DefaultRole = "", nil, cairn.RoleViewer
	if _, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	l, err := e.signIn(ada())
	if err != nil || l.Role != cairn.RoleViewer {
		t.Fatalf("first sign-in: %+v, %v", l, err)
	}
	if err := e.db.SetMembership(ctx, cairn.Membership{OrgID: e.org.ID, AccountID: l.Account.ID, Role: cairn.RoleIssuer}); err != nil {
		t.Fatal(err)
	}
	if l, err := e.signIn(ada()); err != nil || l.Role != cairn.RoleIssuer || e.role("ada@tuni.example") != cairn.RoleIssuer {
		t.Fatalf("second sign-in: %+v, %v; membership %q", l, err, e.role("ada@tuni.example"))
	}
	// No default: only existing members get in.
	in.DefaultRole = ""
	if _, err := e.svc.Put(ctx, e.org.ID, in, sso.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if l, err := e.signIn(ada()); err != nil || l.Role != cairn.RoleIssuer {
		t.Fatalf("existing member without default: %+v, %v", l, err)
	}
	_, err = e.signIn(map[string]any{"email": "new@tuni.example", "email_verified": true})
	refusal(t, err, http.StatusForbidden, "No access")
}
