package oauth_test

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/store"
)

// clock is a settable now for the Service.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fixture struct {
	ctx      context.Context
	db       *store.DB
	s        *oauth.Service
	clock    *clock
	client   *store.OAuthClient
	secret   string
	learner  string
	verifier string
}

var addr = netip.MustParseAddr("192.0.2.1")

func newFixture(t *testing.T) *fixture {
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
	f := &fixture{ctx: ctx, db: db, clock: &clock{time.Now()}}
	f.s = oauth.New(db, "https://cairn.example", oauth.Options{Now: f.clock.now})
	r, perr := oauth.ParseRegistration([]byte(goodRegistration))
	if perr != nil {
		t.Fatal(perr)
	}
	f.client, f.secret, err = f.s.Register(ctx, r, addr)
	if err != nil {
		t.Fatal(err)
	}
	f.learner = f.newLearner(t, "ada@example.org")
	f.verifier = strings.Repeat("v3rifier-", 6)
	return f
}

func (f *fixture) newLearner(t *testing.T, email string) string {
	t.Helper()
	l := &store.Learner{Email: email, Name: "Learner", PasswordHash: "x"}
	if err := f.db.CreateLearner(f.ctx, l, "tok-"+email, time.Now().Add(time.Hour), time.Now()); err != nil {
		t.Fatal(err)
	}
	return l.ID
}

func (f *fixture) query(mod func(url.Values)) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {f.client.ClientID}, "redirect_uri": {f.client.RedirectURIs[0]},
		"scope": {oauth.ScopeCredentialRead}, "state": {"st4te"}, "code_challenge": {oauth.ChallengeOf(f.verifier)},
		"code_challenge_method": {"S256"}}
	if mod != nil {
		mod(q)
	}
	return q
}

// code runs an approved authorization request of learner and returns the code.
func (f *fixture) code(t *testing.T, learner string, q url.Values) string {
	t.Helper()
	a, oerr := f.s.CheckAuthorize(f.ctx, q)
	if oerr != nil {
		t.Fatal(oerr)
	}
	to, err := f.s.Approve(f.ctx, learner, a)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("state"); got != "st4te" {
		t.Fatalf("state %q in %s", got, to)
	}
	if got := u.Query().Get("iss"); got != "https://cairn.example" {
		t.Fatalf("iss %q", got)
	}
	return u.Query().Get("code")
}

func (f *fixture) exchange(code, verifier string) (*oauth.TokenResponse, error) {
	return f.s.Token(f.ctx, f.client.ClientID, f.secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"code_verifier": {verifier}, "redirect_uri": {f.client.RedirectURIs[0]}}, addr)
}

func oauthCode(err error) string {
	var oe *oauth.Error
	if errors.As(err, &oe) {
		return oe.Code
	}
	return ""
}

func TestFlow(t *testing.T) {
	f := newFixture(t)
	code := f.code(t, f.learner, f.query(nil))
	tr, err := f.exchange(code, f.verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tr.TokenType != "Bearer" || tr.Scope != oauth.ScopeCredentialRead || tr.ExpiresIn != int(oauth.AccessLifetime.Seconds()) {
		t.Fatalf("%+v", tr)
	}
	acc, err := f.s.Authenticate(f.ctx, tr.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if acc.LearnerID != f.learner || acc.ClientID != f.client.ClientID || !acc.Has(oauth.ScopeCredentialRead) || acc.Has(oauth.ScopeCredentialUpsert) {
		t.Fatalf("%+v", acc)
	}
	// The code works once; a second use revokes what the first gave.
	if _, err := f.exchange(code, f.verifier); oauthCode(err) != "invalid_grant" {
		t.Fatalf("second use: %v", err)
	}
	if _, err := f.s.Authenticate(f.ctx, tr.AccessToken); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Fatalf("after the code's reuse: %v", err)
	}

	// Refresh rotates; the old refresh token then fails and revokes the family.
	tr = must(f.exchange(f.code(t, f.learner, f.query(nil)), f.verifier))
	tr2, err := f.s.Token(f.ctx, f.client.ClientID, f.secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}, addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(f.ctx, tr2.AccessToken); err != nil {
		t.Fatal(err)
	}
	// Revocation of the refresh token ends its access tokens.
	if err := f.s.Revoke(f.ctx, f.client.ClientID, f.secret, tr2.RefreshToken, addr); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(f.ctx, tr2.AccessToken); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Fatalf("after revocation: %v", err)
	}
	if cairn.KindOf(oauth.ErrInvalidToken) != cairn.Unauthorized {
		t.Fatal("ErrInvalidToken is not Unauthorized")
	}

	// Access tokens expire.
	tr = must(f.exchange(f.code(t, f.learner, f.query(nil)), f.verifier))
	f.clock.t = f.clock.t.Add(oauth.AccessLifetime + time.Second)
	if _, err := f.s.Authenticate(f.ctx, tr.AccessToken); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Fatalf("expired: %v", err)
	}
}

func must(tr *oauth.TokenResponse, err error) *oauth.TokenResponse {
	if err != nil {
		panic(err)
	}
	return tr
}

func TestRefused(t *testing.T) {
	f := newFixture(t)
	t.Run("wrong verifier", func(t *testing.T) {
		code := f.code(t, f.learner, f.query(nil))
		if _, err := f.exchange(code, strings.Repeat("x", 43)); oauthCode(err) != "invalid_grant" {
			t.Fatal(err)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		code := f.code(t, f.learner, f.query(nil))
		f.clock.t = f.clock.t.Add(oauth.CodeLifetime + time.Second)
		defer func() { f.clock.t = f.clock.t.Add(-oauth.CodeLifetime - time.Second) }()
		if _, err := f.exchange(code, f.verifier); oauthCode(err) != "invalid_grant" {
			t.Fatal(err)
		}
	})
	t.Run("redirect at token", func(t *testing.T) {
		code := f.code(t, f.learner, f.query(nil))
		_, err := f.s.Token(f.ctx, f.client.ClientID, f.secret, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"code_verifier": {f.verifier}, "redirect_uri": {"https://client.example.org/other"}}, addr)
		if oauthCode(err) != "invalid_grant" {
			t.Fatal(err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := f.s.Token(f.ctx, f.client.ClientID, f.secret+"x", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, addr)
		if oauthCode(err) != "invalid_client" {
			t.Fatal(err)
		}
	})
	for name, c := range map[string]struct {
		mod      func(url.Values)
		code     string
		redirect bool // the error goes back to the client, not to the learner
	}{
		"unregistered redirect": {func(q url.Values) { q.Set("redirect_uri", "https://client.example.org/authorize") }, "invalid_request", false},
		"unknown client":        {func(q url.Values) { q.Set("client_id", "cairn-nobody") }, "invalid_client", false},
		"unregistered scope":    {func(q url.Values) { q.Set("scope", oauth.ScopeProfileUpdate) }, "invalid_scope", true},
		"no PKCE":               {func(q url.Values) { q.Del("code_challenge") }, "invalid_request", true},
		"plain PKCE":            {func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request", true},
		"token response type":   {func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type", true},
	} {
		t.Run(name, func(t *testing.T) {
			a, oerr := f.s.CheckAuthorize(f.ctx, f.query(c.mod))
			if oerr == nil || oerr.Code != c.code || (a != nil) != c.redirect {
				t.Fatalf("got %v, request %v", oerr, a)
			}
		})
	}
	t.Run("another learner", func(t *testing.T) {
		other := f.newLearner(t, "grace@example.org")
		tr := must(f.exchange(f.code(t, other, f.query(nil)), f.verifier))
		acc, err := f.s.Authenticate(f.ctx, tr.AccessToken)
		if err != nil || acc.LearnerID != other {
			t.Fatalf("%+v %v", acc, err)
		}
	})
}

func TestDisconnect(t *testing.T) {
	f := newFixture(t)
	tr := must(f.exchange(f.code(t, f.learner, f.query(nil)), f.verifier))
	gs, err := f.s.Connections(f.ctx, f.learner)
	if err != nil || len(gs) != 1 {
		t.Fatalf("%v %v", gs, err)
	}
	if err := f.s.Disconnect(f.ctx, f.learner, gs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(f.ctx, tr.AccessToken); !errors.Is(err, oauth.ErrInvalidToken) {
		t.Fatalf("after disconnect: %v", err)
	}
	if _, err := f.s.Token(f.ctx, f.client.ClientID, f.secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}, addr); oauthCode(err) != "invalid_grant" {
		t.Fatalf("refresh after disconnect: %v", err)
	}
}
