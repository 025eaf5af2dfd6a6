package lti_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/lti"
)

func loginValues() url.Values {
	return url.Values{
		"iss":               {"https://lms.example"},
		"login_hint":        {"u-42"},
		"target_link_uri":   {"https://cairn.example/lti/launch"},
		"lti_message_hint":  {"ctx-7"},
		"lti_deployment_id": {"dep-1"},
		"client_id":         {"tool-1"},
	}
}

func TestParseLogin(t *testing.T) {
	want := lti.LoginRequest{
		Issuer: "https://lms.example", LoginHint: "u-42", TargetLinkURI: "https://cairn.example/lti/launch",
		LTIMessageHint: "ctx-7", DeploymentID: "dep-1", ClientID: "tool-1",
	}
	get := httptest.NewRequest(http.MethodGet, "/lti/login?"+loginValues().Encode(), nil)
	post := httptest.NewRequest(http.MethodPost, "/lti/login", strings.NewReader(loginValues().Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for name, r := range map[string]*http.Request{"GET": get, "POST": post} {
		got, err := lti.ParseLogin(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: ParseLogin = %+v, want %+v", name, got, want)
		}
	}
}

func TestParseLoginErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  func(url.Values)
		field string
	}{
		{"no iss", func(v url.Values) { v.Del("iss") }, "iss"},
		{"no login_hint", func(v url.Values) { v.Del("login_hint") }, "login_hint"},
		{"no target_link_uri", func(v url.Values) { v.Del("target_link_uri") }, "target_link_uri"},
		{"relative target_link_uri", func(v url.Values) { v.Set("target_link_uri", "/lti/launch") }, "target_link_uri"},
		{"huge hint", func(v url.Values) { v.Set("lti_message_hint", strings.Repeat("x", 5000)) }, "lti_message_hint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := loginValues()
			tt.edit(v)
			_, err := lti.ParseLogin(httptest.NewRequest(http.MethodGet, "/lti/login?"+v.Encode(), nil))
			var ce *cairn.Error
			if !errors.As(err, &ce) || ce.Field != tt.field || cairn.KindOf(err) != cairn.Invalid {
				t.Fatalf("ParseLogin error = %v, want an invalid error on %q", err, tt.field)
			}
		})
	}
	big := httptest.NewRequest(http.MethodPost, "/lti/login", strings.NewReader(loginValues().Encode()+"&x="+strings.Repeat("a", 70<<10)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := lti.ParseLogin(big); cairn.KindOf(err) != cairn.Invalid {
		t.Errorf("ParseLogin of a 70 KiB form: %v, want an invalid error", err)
	}
	_, err := lti.ParseLogin(httptest.NewRequest(http.MethodPut, "/lti/login?"+loginValues().Encode(), nil))
	if cairn.KindOf(err) != cairn.Invalid {
		t.Errorf("ParseLogin of a PUT: %v, want an invalid error", err)
	}
}

func TestAuthRedirect(t *testing.T) {
	reg := lti.Registration{ClientID: "tool-1", AuthLoginURL: "https://lms.example/auth?tenant=9"}
	lr := lti.LoginRequest{Issuer: "https://lms.example", LoginHint: "u-42", LTIMessageHint: "ctx-7"}
	u, err := url.Parse(lti.AuthRedirect(reg, lr, "https://cairn.example/lti/launch", "st-1", "no-1"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "lms.example" || u.Path != "/auth" {
		t.Errorf("redirect goes to %s", u)
	}
	want := map[string]string{
		"tenant": "9", "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
		"client_id": "tool-1", "redirect_uri": "https://cairn.example/lti/launch", "login_hint": "u-42",
		"lti_message_hint": "ctx-7", "state": "st-1", "nonce": "no-1",
	}
	q := u.Query()
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q) != len(want) {
		t.Errorf("query has %d parameters, want %d: %v", len(q), len(want), q)
	}
	lr.LTIMessageHint = ""
	u, _ = url.Parse(lti.AuthRedirect(reg, lr, "https://cairn.example/lti/launch", "st-1", "no-1"))
	if u.Query().Has("lti_message_hint") {
		t.Error("an empty lti_message_hint is sent")
	}
}

func TestRegistrationValidate(t *testing.T) {
	good := lti.Registration{
		Issuer: "https://lms.example", ClientID: "tool-1", DeploymentIDs: []string{"dep-1"},
		AuthLoginURL: "https://lms.example/auth", AuthTokenURL: "https://lms.example/token", JWKSURL: "https://lms.example/jwks",
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate of a good registration: %v", err)
	}
	local := good
	local.AuthLoginURL, local.AuthTokenURL, local.JWKSURL = "http://127.0.0.1:8080/auth", "http://localhost/token", "http://[::1]:9/jwks"
	if err := local.Validate(); err != nil {
		t.Errorf("Validate with loopback http URLs: %v", err)
	}
	for _, tt := range []struct {
		name  string
		edit  func(*lti.Registration)
		field string
	}{
		{"no issuer", func(r *lti.Registration) { r.Issuer = "" }, "issuer"},
		{"no client id", func(r *lti.Registration) { r.ClientID = "" }, "clientId"},
		{"no deployments", func(r *lti.Registration) { r.DeploymentIDs = nil }, "deploymentIds"},
		{"empty deployment", func(r *lti.Registration) { r.DeploymentIDs = []string{"dep-1", ""} }, "deploymentIds"},
		{"http login", func(r *lti.Registration) { r.AuthLoginURL = "http://lms.example/auth" }, "authLoginUrl"},
		{"relative token", func(r *lti.Registration) { r.AuthTokenURL = "/token" }, "authTokenUrl"},
		{"ftp jwks", func(r *lti.Registration) { r.JWKSURL = "ftp://lms.example/jwks" }, "jwksUrl"},
		{"jwks with user", func(r *lti.Registration) { r.JWKSURL = "https://a:b@lms.example/jwks" }, "jwksUrl"},
		{"empty jwks", func(r *lti.Registration) { r.JWKSURL = "" }, "jwksUrl"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.edit(&r)
			err := r.Validate()
			var ce *cairn.Error
			if !errors.As(err, &ce) || ce.Field != tt.field || cairn.KindOf(err) != cairn.Invalid {
				t.Fatalf("Validate = %v, want an invalid error on %q", err, tt.field)
			}
		})
	}
}
