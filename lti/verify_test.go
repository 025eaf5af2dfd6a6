package lti_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/lti/ltitest"
)

// otherKey is an RSA key the platform does not know, made once.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// httpGet is a KeySet fetcher through hc.
func httpGet(hc *http.Client) func(ctx context.Context, url string) ([]byte, error) {
	return func(ctx context.Context, url string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d", resp.StatusCode)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func checkOf(err error) string {
	var ce *lti.CheckError
	if errors.As(err, &ce) {
		return ce.Check
	}
	return ""
}

func TestVerifyLaunch(t *testing.T) {
	p := ltitest.New(t)
	p.AddUser("u1", "ada@example.test", "Ada Lovelace", lti.RoleInstructor)
	p.AddCourse("c1", "Analytical Engines")
	reg := p.Registration("tool-1", "dep-1")
	ks := lti.NewKeySet(httpGet(p.Client()))
	now := time.Now()
	good := func() map[string]any {
		return p.ResourceLinkClaims(reg, "u1", "n-1", "c1", lti.RoleInstructor)
	}
	signed := func(edit func(map[string]any)) func() string {
		return func() string {
			c := good()
			edit(c)
			return p.LaunchToken(c)
		}
	}
	tests := []struct {
		name  string
		token func() string
		check string // "" when the launch is valid
	}{
		{"valid", signed(func(map[string]any) {}), ""},
		{"not a JWS", func() string { return "not.a.jws" }, "format"},
		{"two parts", func() string { return "abc.def" }, "format"},
		{"bad signature", func() string {
			tok, err := ltitest.Sign(otherKey(), p.KeyID(), jose.RS256, good())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "signature"},
		{"tampered payload", func() string {
			parts := strings.Split(p.LaunchToken(good()), ".")
			c := good()
			c["sub"] = "someone-else"
			other := strings.Split(p.LaunchToken(c), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		}, "signature"},
		{"alg none", func() string {
			return b64(`{"alg":"none","kid":"`+p.KeyID()+`"}`) + "." + b64(`{"iss":"x"}`) + "."
		}, "alg"},
		{"alg HS256", func() string {
			tok, err := ltitest.Sign([]byte("0123456789abcdef0123456789abcdef"), p.KeyID(), jose.HS256, good())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "alg"},
		{"alg RS512", func() string {
			tok, err := ltitest.Sign(otherKey(), p.KeyID(), jose.RS512, good())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "alg"},
		{"no kid", func() string {
			tok, err := ltitest.Sign(otherKey(), "", jose.RS256, good())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "kid"},
		{"unknown kid", func() string {
			tok, err := ltitest.Sign(otherKey(), "not-the-platform", jose.RS256, good())
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, "kid"},
		{"wrong iss", signed(func(c map[string]any) { c["iss"] = "https://evil.example" }), "iss"},
		{"wrong aud", signed(func(c map[string]any) { c["aud"] = "another-tool" }), "aud"},
		{"aud array without azp", signed(func(c map[string]any) { c["aud"] = []string{"tool-1", "another"} }), "azp"},
		{"aud array, wrong azp", signed(func(c map[string]any) {
			c["aud"] = []string{"tool-1", "another"}
			c["azp"] = "another"
		}), "azp"},
		{"aud array, right azp", signed(func(c map[string]any) {
			c["aud"] = []string{"another", "tool-1"}
			c["azp"] = "tool-1"
		}), ""},
		{"single aud, wrong azp", signed(func(c map[string]any) { c["azp"] = "another" }), "azp"},
		{"expired", signed(func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }), "exp"},
		{"expired within leeway", signed(func(c map[string]any) { c["exp"] = now.Add(-30 * time.Second).Unix() }), ""},
		{"no exp", signed(func(c map[string]any) { delete(c, "exp") }), "exp"},
		{"exp not a number", signed(func(c map[string]any) { c["exp"] = "tomorrow" }), "format"},
		{"iat in the future", signed(func(c map[string]any) { c["iat"] = now.Add(7 * time.Minute).Unix() }), "iat"},
		{"iat slightly ahead", signed(func(c map[string]any) { c["iat"] = now.Add(5 * time.Minute).Unix() }), ""},
		{"no iat", signed(func(c map[string]any) { delete(c, "iat") }), "iat"},
		{"no nonce", signed(func(c map[string]any) { delete(c, "nonce") }), "nonce"},
		{"wrong version", signed(func(c map[string]any) { c[lti.ClaimVersion] = "1.1.0" }), "version"},
		{"deep linking", signed(func(c map[string]any) { c[lti.ClaimMessageType] = "LtiDeepLinkingRequest" }), "message_type"},
		{"no message type", signed(func(c map[string]any) { delete(c, lti.ClaimMessageType) }), "message_type"},
		{"unknown deployment", signed(func(c map[string]any) { c[lti.ClaimDeploymentID] = "dep-2" }), "deployment_id"},
		{"no deployment", signed(func(c map[string]any) { delete(c, lti.ClaimDeploymentID) }), "deployment_id"},
		{"anonymous", signed(func(c map[string]any) { delete(c, "sub") }), "sub"},
		{"no resource link", signed(func(c map[string]any) { delete(c, lti.ClaimResourceLink) }), "resource_link"},
		{"resource link without id", signed(func(c map[string]any) { c[lti.ClaimResourceLink] = map[string]any{"title": "x"} }), "resource_link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ks.VerifyLaunch(context.Background(), reg, tt.token(), now)
			if tt.check == "" {
				if err != nil {
					t.Fatalf("VerifyLaunch: %v", err)
				}
				if l.Subject != "u1" || l.DeploymentID != "dep-1" || l.ContextID != "c1" {
					t.Errorf("launch = %+v", l)
				}
				return
			}
			if got := checkOf(err); got != tt.check {
				t.Fatalf("VerifyLaunch error = %v (check %q), want check %q", err, got, tt.check)
			}
			if l != nil {
				t.Errorf("VerifyLaunch returned a launch with error %v", err)
			}
		})
	}
}

func TestVerifyLaunchClaims(t *testing.T) {
	p := ltitest.New(t)
	p.AddUser("u1", "ada@example.test", "Ada Lovelace")
	p.AddCourse("c1", "Analytical Engines")
	reg := p.Registration("tool-1", "dep-1")
	ks := lti.NewKeySet(httpGet(p.Client()))
	now := time.Now()
	l, err := ks.VerifyLaunch(context.Background(), reg, p.LaunchToken(p.ResourceLinkClaims(reg, "u1", "n-1", "c1", lti.RoleLearner)), now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Issuer != p.URL() || l.ClientID != "tool-1" || l.Email != "ada@example.test" || l.Name != "Ada Lovelace" ||
		l.ContextTitle != "Analytical Engines" || l.ContextLabel != "C1" || l.ResourceLinkID != "link-c1" ||
		l.MessageType != lti.MessageTypeResourceLink || l.Nonce != "n-1" || l.TargetLinkURI == "" {
		t.Errorf("launch = %+v", l)
	}
	if l.AGS == nil || l.AGS.LineItems != p.LineItemsURL("c1") || len(l.AGS.Scopes) != 2 {
		t.Errorf("AGS = %+v", l.AGS)
	}
	if l.NRPS == nil || l.NRPS.MembershipsURL != p.MembershipsURL("c1") || len(l.NRPS.Versions) != 1 {
		t.Errorf("NRPS = %+v", l.NRPS)
	}
	if l.ExpiresAt.Unix() != now.Add(5*time.Minute).Unix() && l.ExpiresAt.Sub(now) > 6*time.Minute {
		t.Errorf("ExpiresAt = %v", l.ExpiresAt)
	}
	if l.IsInstructor() {
		t.Error("a learner is an instructor")
	}

	c := p.ResourceLinkClaims(reg, "u2", "n-2", "c1")
	delete(c, lti.ClaimAGSEndpoint)
	delete(c, lti.ClaimNRPS)
	delete(c, "name")
	c["given_name"], c["family_name"] = "Grace", "Hopper"
	l, err = ks.VerifyLaunch(context.Background(), reg, p.LaunchToken(c), now)
	if err != nil {
		t.Fatal(err)
	}
	if l.AGS != nil || l.NRPS != nil || l.Name != "Grace Hopper" {
		t.Errorf("launch without services = %+v", l)
	}
}

func TestIsInstructor(t *testing.T) {
	for _, tt := range []struct {
		roles []string
		want  bool
	}{
		{[]string{lti.RoleInstructor}, true},
		{[]string{"Instructor"}, true},
		{[]string{lti.RoleLearner, lti.RoleContextAdministrator}, true},
		{[]string{lti.RoleInstitutionAdministrator}, true},
		{[]string{lti.RoleLearner}, false},
		{[]string{"http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"}, false},
		{[]string{"http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"}, false},
		{nil, false},
	} {
		if got := (&lti.Launch{Roles: tt.roles}).IsInstructor(); got != tt.want {
			t.Errorf("IsInstructor(%v) = %v, want %v", tt.roles, got, tt.want)
		}
	}
}

func TestKeySetRotation(t *testing.T) {
	p := ltitest.New(t)
	reg := p.Registration("tool-1", "dep-1")
	ks := lti.NewKeySet(httpGet(p.Client()))
	now := time.Now()
	verify := func(at time.Time) error {
		c := p.ResourceLinkClaims(reg, "u1", "n", "c1")
		c["iat"], c["exp"] = at.Unix(), at.Add(5*time.Minute).Unix()
		_, err := ks.VerifyLaunch(context.Background(), reg, p.LaunchToken(c), at)
		return err
	}
	for range 3 {
		if err := verify(now); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.JWKSRequests(); n != 1 {
		t.Fatalf("JWKS fetched %d times for three launches with one key, want 1", n)
	}

	// The platform rotates: the unknown kid makes the set be fetched again.
	p.RotateKey(true)
	if err := verify(now.Add(2 * time.Minute)); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := p.JWKSRequests(); n != 2 {
		t.Fatalf("JWKS fetched %d times after a rotation, want 2", n)
	}

	// A second rotation within the minute is not fetched: the token fails.
	p.RotateKey(false)
	at := now.Add(2*time.Minute + 30*time.Second)
	if err := verify(at); checkOf(err) != "kid" {
		t.Fatalf("a second unknown kid within a minute: %v, want a kid CheckError", err)
	}
	if n := p.JWKSRequests(); n != 2 {
		t.Fatalf("JWKS fetched %d times within a minute, want 2", n)
	}
	// A minute after the last fetch, it is.
	if err := verify(now.Add(3*time.Minute + time.Second)); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
	if n := p.JWKSRequests(); n != 3 {
		t.Fatalf("JWKS fetched %d times, want 3", n)
	}
	// A set cached for more than an hour is fetched again even when it
	// has the kid, so that withdrawn keys stop verifying.
	if err := verify(now.Add(3*time.Minute + time.Hour + 2*time.Second)); err != nil {
		t.Fatalf("an hour later: %v", err)
	}
	if n := p.JWKSRequests(); n != 4 {
		t.Fatalf("JWKS fetched %d times after an hour, want 4", n)
	}
}

func TestKeySetStaleFallback(t *testing.T) {
	p := ltitest.New(t)
	reg := p.Registration("tool-1", "dep-1")
	get := httpGet(p.Client())
	down := false
	ks := lti.NewKeySet(func(ctx context.Context, url string) ([]byte, error) {
		if down {
			return nil, errors.New("connection refused")
		}
		return get(ctx, url)
	})
	now := time.Now()
	if _, err := ks.VerifyLaunch(context.Background(), reg, p.LaunchToken(p.ResourceLinkClaims(reg, "u1", "n", "c1")), now); err != nil {
		t.Fatal(err)
	}
	down = true
	later := now.Add(2 * time.Hour)
	p.SetClock(func() time.Time { return later })
	if _, err := ks.VerifyLaunch(context.Background(), reg, p.LaunchToken(p.ResourceLinkClaims(reg, "u1", "n", "c1")), later); err != nil {
		t.Errorf("a stale set whose refetch fails no longer verifies its key: %v", err)
	}
	// The set is still stale: a minute on, it is tried again.
	down = false
	before := p.JWKSRequests()
	later = later.Add(time.Minute)
	if _, err := ks.VerifyLaunch(context.Background(), reg, p.LaunchToken(p.ResourceLinkClaims(reg, "u1", "n", "c1")), later); err != nil {
		t.Fatal(err)
	}
	if n := p.JWKSRequests(); n != before+1 {
		t.Errorf("JWKS fetched %d times a minute after a failed refetch, want %d", n, before+1)
	}
}

func TestKeySetFetchFailure(t *testing.T) {
	calls := 0
	ks := lti.NewKeySet(func(ctx context.Context, url string) ([]byte, error) {
		calls++
		return nil, errors.New("connection refused")
	})
	p := ltitest.New(t)
	reg := p.Registration("tool-1", "dep-1")
	tok := p.LaunchToken(p.ResourceLinkClaims(reg, "u1", "n", "c1"))
	now := time.Now()
	for range 2 {
		if _, err := ks.VerifyLaunch(context.Background(), reg, tok, now); checkOf(err) != "jwks" {
			t.Fatalf("VerifyLaunch with an unreachable JWKS: %v, want a jwks CheckError", err)
		}
	}
	if calls != 1 {
		t.Errorf("an unreachable JWKS was tried %d times within a minute, want 1", calls)
	}
}

func TestPeekIssuer(t *testing.T) {
	p := ltitest.New(t)
	reg := p.Registration("tool-1", "dep-1")
	iss, aud, err := lti.PeekIssuer(p.LaunchToken(p.ResourceLinkClaims(reg, "u1", "n", "c1")))
	if err != nil || iss != p.URL() || aud != "tool-1" {
		t.Errorf("PeekIssuer = %q, %q, %v", iss, aud, err)
	}
	for _, bad := range []string{"", "a.b", "a.b.c", b64(`{}`) + "." + b64(`{"aud":"x"}`) + ".sig"} {
		if _, _, err := lti.PeekIssuer(bad); err == nil {
			t.Errorf("PeekIssuer(%q) succeeded", bad)
		}
	}
}

func TestCheckErrorMessage(t *testing.T) {
	err := error(&lti.CheckError{Check: "nonce", Reason: "the id_token has no nonce"})
	if err.Error() != "nonce: the id_token has no nonce" {
		t.Errorf("Error() = %q", err.Error())
	}
}
