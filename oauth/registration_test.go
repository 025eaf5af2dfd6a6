package oauth_test

import (
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/oauth"
)

const goodRegistration = `{
  "client_name": "Example Client Application",
  "client_uri": "https://client.example.org/",
  "logo_uri": "https://client.example.org/logo.png",
  "tos_uri": "https://client.example.org/terms",
  "policy_uri": "https://client.example.org/privacy",
  "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
  "software_version": "v4.0.30319",
  "redirect_uris": ["https://client.example.org/Authorize"],
  "token_endpoint_auth_method": "client_secret_basic",
  "grant_types": ["authorization_code", "refresh_token"],
  "response_types": ["code"],
  "scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert offline_access",
  "x-unknown": {"ignored": true}
}`

func TestParseRegistration(t *testing.T) {
	r, err := oauth.ParseRegistration([]byte(goodRegistration))
	if err != nil {
		t.Fatal(err)
	}
	if r.ClientName != "Example Client Application" || r.SoftwareVersion != "v4.0.30319" || len(r.RedirectURIs) != 1 ||
		r.Scope != oauth.ScopeCredentialRead+" "+oauth.ScopeCredentialUpsert+" offline_access" {
		t.Fatalf("%+v", r)
	}
	// Defaults.
	r, err = oauth.ParseRegistration([]byte(`{"client_name":"A","redirect_uris":["http://127.0.0.1:9/cb"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.TokenEndpointAuthMethod != "client_secret_basic" || strings.Join(r.GrantTypes, ",") != "authorization_code,refresh_token" ||
		r.ResponseTypes[0] != "code" || len(strings.Fields(r.Scope)) != 4 {
		t.Fatalf("defaults: %+v", r)
	}
}

func TestParseRegistrationRefused(t *testing.T) {
	for _, tc := range []struct{ name, body, code, want string }{
		{"not json", `{`, "invalid_client_metadata", "not a JSON object"},
		{"array", `[]`, "invalid_client_metadata", "not a JSON object"},
		{"two values", `{"client_name":"a"} {}`, "invalid_client_metadata", "more than one"},
		{"no name", `{"redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata", "client_name is required"},
		{"name type", `{"client_name":5,"redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata", "client_name must be a string"},
		{"name lines", `{"client_name":"a\nb","redirect_uris":["https://a.example/cb"]}`, "invalid_client_metadata", "one line"},
		{"no redirect", `{"client_name":"a"}`, "invalid_redirect_uri", "redirect_uris is required"},
		{"redirect string", `{"client_name":"a","redirect_uris":"https://a.example/cb"}`, "invalid_redirect_uri", "array of strings"},
		{"http redirect", `{"client_name":"a","redirect_uris":["http://a.example/cb"]}`, "invalid_redirect_uri", "redirect_uris[0]: must be an https URL"},
		{"fragment", `{"client_name":"a","redirect_uris":["https://a.example/cb#x"]}`, "invalid_redirect_uri", "fragment"},
		{"relative", `{"client_name":"a","redirect_uris":["/cb"]}`, "invalid_redirect_uri", "not an absolute URL"},
		{"custom scheme", `{"client_name":"a","redirect_uris":["com.example:/cb"]}`, "invalid_redirect_uri", "not an absolute URL"},
		{"userinfo", `{"client_name":"a","redirect_uris":["https://u:p@a.example/cb"]}`, "invalid_redirect_uri", "user name"},
		{"javascript logo", `{"client_name":"a","redirect_uris":["https://a.example/cb"],"logo_uri":"javascript:alert(1)"}`, "invalid_client_metadata", "logo_uri"},
		{"scope", `{"client_name":"a","redirect_uris":["https://a.example/cb"],"scope":"admin"}`, "invalid_client_metadata", `scope: "admin" is not a scope`},
		{"auth method", `{"client_name":"a","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`, "invalid_client_metadata", "client_secret_basic"},
		{"grant", `{"client_name":"a","redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]}`, "invalid_client_metadata", "implicit"},
		{"response", `{"client_name":"a","redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, "invalid_client_metadata", "token"},
		{"too many", `{"client_name":"a","redirect_uris":["https://a/1","https://a/2","https://a/3","https://a/4","https://a/5","https://a/6","https://a/7","https://a/8","https://a/9","https://a/10","https://a/11"]}`, "invalid_redirect_uri", "more than 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oauth.ParseRegistration([]byte(tc.body))
			if err == nil {
				t.Fatal("accepted")
			}
			if err.Code != tc.code || !strings.Contains(err.Description, tc.want) {
				t.Fatalf("got %s %q, want %s containing %q", err.Code, err.Description, tc.code, tc.want)
			}
		})
	}
}

func TestCheckRedirectURI(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://a.example/cb?x=1":        true,
		"http://127.0.0.1:8080/cb":        true,
		"http://[::1]/cb":                 true,
		"http://localhost:3000/":          true,
		"http://10.0.0.1/cb":              false,
		"https://a.example/c b":           false,
		"ftp://a.example/":                false,
		"https:///nohost":                 false,
		"https://a.example/cb#":           false,
		strings.Repeat("https://a", 2000): false,
	} {
		if got := oauth.CheckRedirectURI(u) == ""; got != ok {
			t.Errorf("%.40q: ok %v, want %v (%s)", u, got, ok, oauth.CheckRedirectURI(u))
		}
	}
}

// FuzzParseRegistration: whatever the body, the parser answers a
// registration or an RFC 7591 error, never panics, and what it accepts
// holds only https (or loopback http) redirect URIs and known scopes.
func FuzzParseRegistration(f *testing.F) {
	f.Add([]byte(goodRegistration))
	f.Add([]byte(`{"client_name":"A","redirect_uris":["http://127.0.0.1:9/cb"]}`))
	f.Add([]byte(`{"client_name":"\u0000","redirect_uris":[null],"scope":5}`))
	f.Add([]byte(`{"client_name":"a","redirect_uris":["https://a.example/cb"],"contacts":["x@y"],"grant_types":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := oauth.ParseRegistration(data)
		if (r == nil) == (err == nil) {
			t.Fatalf("registration %v and error %v", r, err)
		}
		if err != nil {
			if err.Code != "invalid_client_metadata" && err.Code != "invalid_redirect_uri" || err.Description == "" {
				t.Fatalf("error %+v", err)
			}
			return
		}
		if r.ClientName == "" || len(r.RedirectURIs) == 0 || len(r.RedirectURIs) > oauth.MaxRedirectURIs {
			t.Fatalf("accepted %+v", r)
		}
		for _, u := range r.RedirectURIs {
			if oauth.CheckRedirectURI(u) != "" {
				t.Fatalf("accepted redirect URI %q", u)
			}
		}
		for _, s := range strings.Fields(r.Scope) {
			if oauth.ScopeText[s] == "" {
				t.Fatalf("accepted scope %q", s)
			}
		}
	})
}
