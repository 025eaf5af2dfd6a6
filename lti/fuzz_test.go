package lti_test

import (
	"context"
	"crypto/rsa"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/lti/ltitest"
)

// FuzzVerifyLaunch feeds VerifyLaunch arbitrary tokens, seeded with valid
// and broken launches signed by a fixed JWKS: it must never panic, and
// whatever it accepts must satisfy the launch checks.
func FuzzVerifyLaunch(f *testing.F) {
	key := otherKey()
	jwks, err := lti.ToolJWKS(map[string]*rsa.PublicKey{"k1": &key.PublicKey})
	if err != nil {
		f.Fatal(err)
	}
	reg := lti.Registration{
		Issuer: "https://lms.example", ClientID: "tool-1", DeploymentIDs: []string{"dep-1"},
		JWKSURL: "https://lms.example/jwks",
	}
	now := time.Unix(1_800_000_000, 0)
	claims := map[string]any{
		"iss": reg.Issuer, "aud": "tool-1", "sub": "u1", "nonce": "n", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		lti.ClaimVersion: lti.Version, lti.ClaimMessageType: lti.MessageTypeResourceLink, lti.ClaimDeploymentID: "dep-1",
		lti.ClaimResourceLink: map[string]any{"id": "rl"},
		lti.ClaimAGSEndpoint:  map[string]any{"lineitems": "https://lms.example/li", "scope": []string{"a"}},
	}
	valid, err := ltitest.Sign(key, "k1", jose.RS256, claims)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	parts := strings.Split(valid, ".")
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(b64(`{"alg":"none"}`) + "." + parts[1] + ".")
	f.Add(b64(`{"alg":"RS256","kid":"k1"}`) + "." + b64(`{"aud":[1,2]}`) + "." + parts[2])
	f.Add("")
	f.Add("...")
	ks := lti.NewKeySet(func(context.Context, string) ([]byte, error) { return jwks, nil })
	f.Fuzz(func(t *testing.T, token string) {
		l, err := ks.VerifyLaunch(context.Background(), reg, token, now)
		if err == nil && (l.Issuer != reg.Issuer || l.Subject == "" || l.Nonce == "" || l.DeploymentID != "dep-1" || l.ResourceLinkID == "") {
			t.Fatalf("accepted a launch that fails the checks: %+v", l)
		}
		lti.PeekIssuer(token)
	})
}

// FuzzParseLogin feeds ParseLogin arbitrary queries and forms: it must
// never panic, and what it accepts has the required parameters.
func FuzzParseLogin(f *testing.F) {
	f.Add("GET", "iss=https%3A%2F%2Flms.example&login_hint=u&target_link_uri=https%3A%2F%2Fc%2Fl", "")
	f.Add("POST", "", "iss=x&login_hint=u&target_link_uri=https://c/l&lti_message_hint=%zz")
	f.Add("POST", "iss=a", "login_hint=%")
	f.Fuzz(func(t *testing.T, method, query, body string) {
		if method != "GET" && method != "POST" {
			method = "POST"
		}
		r := httptest.NewRequest(method, "/lti/login", strings.NewReader(body))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		lr, err := lti.ParseLogin(r)
		if err == nil && (lr.Issuer == "" || lr.LoginHint == "" || lr.TargetLinkURI == "") {
			t.Fatalf("accepted a login without a required parameter: %+v", lr)
		}
	})
}
