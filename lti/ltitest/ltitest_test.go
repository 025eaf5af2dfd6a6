package ltitest_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/lti/ltitest"
)

var hidden = regexp.MustCompile(`name="(id_token|state)" value="([^"]*)"`)

// TestLaunchFlow runs the OIDC login of a tool against the platform: the
// login initiation, the redirect to /auth, the auto-posted form and the
// verification of its id_token.
func TestLaunchFlow(t *testing.T) {
	p := ltitest.New(t)
	p.AddUser("u1", "ada@example.test", "Ada Lovelace", lti.RoleInstructor)
	p.AddCourse("c1", "Analytical Engines")
	reg := p.Registration("tool-1", "dep-1")
	if err := reg.Validate(); err != nil {
		t.Fatalf("the platform's registration: %v", err)
	}
	const redirect = "https://tool.example/lti/launch"
	p.AllowRedirect(redirect)

	login := p.LoginParams(reg, "u1", "c1", redirect)
	r, _ := http.NewRequest(http.MethodGet, "https://tool.example/lti/login?"+login.Encode(), nil)
	lr, err := lti.ParseLogin(r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Client().Get(lti.AuthRedirect(reg, lr, redirect, "state-1", "nonce-1"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/auth: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(string(body), `action="`+redirect+`"`) {
		t.Errorf("the form does not post to the redirect URI: %s", body)
	}
	fields := map[string]string{}
	for _, m := range hidden.FindAllStringSubmatch(string(body), -1) {
		fields[m[1]] = html.UnescapeString(m[2])
	}
	if fields["state"] != "state-1" {
		t.Errorf("state = %q", fields["state"])
	}
	ks := lti.NewKeySet(func(ctx context.Context, u string) ([]byte, error) {
		resp, err := p.Client().Get(u)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	})
	l, err := ks.VerifyLaunch(context.Background(), reg, fields["id_token"], time.Now())
	if err != nil {
		t.Fatalf("VerifyLaunch of the platform's launch: %v", err)
	}
	if l.Nonce != "nonce-1" || l.Subject != "u1" || l.Email != "ada@example.test" || !l.IsInstructor() ||
		l.ContextID != "c1" || l.ContextTitle != "Analytical Engines" || l.TargetLinkURI != redirect {
		t.Errorf("launch = %+v", l)
	}
}

func TestAuthErrors(t *testing.T) {
	p := ltitest.New(t)
	p.AddUser("u1", "", "")
	reg := p.Registration("tool-1", "dep-1")
	const redirect = "https://tool.example/lti/launch"
	p.AllowRedirect(redirect)
	good := func() url.Values {
		u, _ := url.Parse(lti.AuthRedirect(reg, lti.LoginRequest{LoginHint: "u1", LTIMessageHint: "c1"}, redirect, "s", "n"))
		return u.Query()
	}
	for _, tt := range []struct {
		name   string
		edit   func(url.Values)
		reason string
	}{
		{"unregistered client", func(v url.Values) { v.Set("client_id", "tool-2") }, "client_id"},
		{"unregistered redirect", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/") }, "redirect_uri"},
		{"no openid", func(v url.Values) { v.Set("scope", "profile") }, "openid"},
		{"code flow", func(v url.Values) { v.Set("response_type", "code") }, "response_type"},
		{"no nonce", func(v url.Values) { v.Del("nonce") }, "nonce"},
		{"no state", func(v url.Values) { v.Del("state") }, "state"},
		{"unknown user", func(v url.Values) { v.Set("login_hint", "u9") }, "login_hint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := good()
			tt.edit(v)
			// Half the cases as a POST: the endpoint takes both.
			var resp *http.Response
			var err error
			if len(tt.name)%2 == 0 {
				resp, err = p.Client().PostForm(p.URL()+"/auth", v)
			} else {
				resp, err = p.Client().Get(p.URL() + "/auth?" + v.Encode())
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.reason) {
				t.Errorf("/auth = %d %q, want 400 naming %s", resp.StatusCode, body, tt.reason)
			}
		})
	}
}

func TestServicesNeedToken(t *testing.T) {
	p := ltitest.New(t)
	p.AddCourse("c1", "Course")
	for _, u := range []string{p.LineItemsURL("c1"), p.MembershipsURL("c1")} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer made-up")
		resp, err := p.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a made-up token = %d, want 401", u, resp.StatusCode)
		}
	}
}

func TestServicesNeedScope(t *testing.T) {
	p := ltitest.New(t)
	p.AddCourse("c1", "Course")
	key, err := lti.GenerateToolKey()
	if err != nil {
		t.Fatal(err)
	}
	p.SetToolKey("k", &key.PublicKey)
	s := lti.NewServices(p.Registration("tool-1", "dep-1"), key, "k", p.Client(), time.Now)
	tok, err := s.Token(context.Background(), lti.ScopeLineItemReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, p.MembershipsURL("c1"), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := p.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("memberships with a line item token = %d, want 403", resp.StatusCode)
	}
}
