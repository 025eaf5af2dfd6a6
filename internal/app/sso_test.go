package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/oidctest"
)

// ssoSetup boots a server that allows private providers, starts a test
// provider, and configures the first organization's single sign-on through
// the API: domain cairn.localhost, groups "cairn-owners" → owner,
// "cairn-issuers" → issuer, nothing else → no access.
func ssoSetup(t *testing.T) (*App, *oidctest.Provider, func()) {
	t.Helper()
	a, stop := bootWith(t, Config{SSOAllowPrivate: true})
	idp := oidctest.New()
	code, body := ssoAPI(t, a, "PUT", "/api/v1/sso", `{"enabled":true,"issuerUrl":"`+idp.Issuer()+`","clientId":"`+idp.ClientID+
		`","clientSecret":"`+idp.ClientSecret+`","emailDomains":["cairn.localhost","example.org"],"roleClaim":"groups",`+
		`"roleMappings":[{"value":"cairn-owners","role":"owner"},{"value":"cairn-issuers","role":"issuer"}],"defaultRole":"none"}`)
	if code != http.StatusOK {
		t.Fatalf("PUT /api/v1/sso: %d %s", code, body)
	}
	return a, idp, func() { idp.Close(); stop() }
}

// ssoAPI calls the API with the first run's API key.
func ssoAPI(t *testing.T, a *App, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.BaseURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// browserClient is an HTTP client with cookies that follows redirects, as
// a browser does.
func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func getWith(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestSSOEndToEnd: an owner configures single sign-on through the API (the
// secret never comes back); a colleague signs in through the provider,
// gets the role the groups map to and a working session for the pages and
// the API; a colleague of another domain is refused with a page that says
// why; with password login off, the owner's password no longer works.
func TestSSOEndToEnd(t *testing.T) {
	a, idp, stop := ssoSetup(t)
	defer stop()
	base := a.BaseURL()

	code, body := ssoAPI(t, a, "GET", "/api/v1/sso", "")
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); code != 200 || err != nil {
		t.Fatalf("GET /api/v1/sso: %d %s", code, body)
	}
	if v["clientSecretSet"] != true || strings.Contains(body, idp.ClientSecret) || v["redirectUri"] != base+"/login/oidc/callback" ||
		v["loginUrl"] != base+"/login/sso/my-organization" || v["defaultRole"] != "none" {
		t.Fatalf("GET /api/v1/sso = %s", body)
	}
	if code, body := ssoAPI(t, a, "PUT", "/api/v1/sso", `{"enabled":true,"issuerUrl":"`+idp.Issuer()+`","clientId":"x","emailDomains":[]}`); code != 422 ||
		!strings.Contains(body, "emailDomains") {
		t.Fatalf("PUT without domains: %d %s", code, body)
	}
	if code, body := ssoAPI(t, a, "PUT", "/api/v1/sso", `{"enabled":true,"issuerUrl":"`+idp.Issuer()+`","clientId":"x","emailDomains":["example.org"],"defaultRole":"admin"}`); code != 422 ||
		!strings.Contains(body, "defaultRole") {
		t.Fatalf("PUT with a bad default role: %d %s", code, body)
	}

	// The login page offers the organization.
	if _, page := getWith(t, http.DefaultClient, base+"/login"); !strings.Contains(page, "Sign in with My Organization") {
		t.Fatalf("login page without the single sign-on button:\n%s", page)
	}
	// By email domain.
	if resp, page := getWith(t, http.DefaultClient, base+"/login/sso?email=grace%40example.org"); resp.StatusCode != 200 ||
		!strings.Contains(page, "/login/sso/my-organization") {
		t.Fatalf("/login/sso?email=: %d\n%s", resp.StatusCode, page)
	}
	if resp, page := getWith(t, http.DefaultClient, base+"/login/sso?email=grace%40nowhere.example"); resp.StatusCode != 404 ||
		!strings.Contains(page, "nowhere.example") {
		t.Fatalf("/login/sso?email= of an unknown domain: %d", resp.StatusCode)
	}

	// Grace signs in: the account is made, with the issuer role.
	idp.SetUser(map[string]any{"email": "grace@example.org", "email_verified": true, "name": "Grace Hopper", "groups": []string{"cairn-issuers"}})
	c := browserClient(t)
	resp, page := getWith(t, c, base+"/login/sso/my-organization?next=%2Fadmin%2Fawards")
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/admin/awards" {
		t.Fatalf("sign-in ended at %s with %d:\n%s", resp.Request.URL, resp.StatusCode, page)
	}
	if !strings.Contains(page, "issuer") {
		t.Errorf("the awards page does not show the issuer role")
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	r2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || !strings.Contains(string(me), `"role":"issuer"`) {
		t.Fatalf("/api/v1/me with the single sign-on session: %d %s", r2.StatusCode, me)
	}
	// Grace also belongs to another organization, without single sign-on:
	// this session, from My Organization's provider, does not reach it.
	ctx := context.Background()
	other := &cairn.Organization{Slug: "other", Name: "Other College"}
	if err := a.db.CreateOrganization(ctx, other); err != nil {
		t.Fatal(err)
	}
	grace, err := a.db.AccountByEmail(ctx, "grace@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.SetMembership(ctx, cairn.Membership{OrgID: other.ID, AccountID: grace.ID, Role: cairn.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Cairn-Organization", other.ID)
	r3, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r3.Body.Close()
	if r3.StatusCode != 403 {
		t.Fatalf("/api/v1/me in another organization with the single sign-on session: %d", r3.StatusCode)
	}
	if _, page := getWith(t, c, base+"/admin"); strings.Contains(page, "Other College") {
		t.Fatalf("the single sign-on session shows the other organization")
	}
	// The issuer may not see the owners' page.
	if resp, _ := getWith(t, c, base+"/admin/sso"); resp.StatusCode != 403 {
		t.Errorf("/admin/sso as issuer: %d", resp.StatusCode)
	}

	// Another domain: a clear refusal, no session.
	idp.SetUser(map[string]any{"email": "mallory@elsewhere.example", "email_verified": true, "groups": []string{"cairn-owners"}})
	c2 := browserClient(t)
	resp, page = getWith(t, c2, base+"/login/sso/my-organization")
	if resp.StatusCode != 403 || !strings.Contains(page, "Email domain not allowed") || !strings.Contains(page, "elsewhere.example") {
		t.Fatalf("disallowed domain: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := getWith(t, c2, base+"/admin"); resp.Request.URL.Path != "/login" {
		t.Fatalf("a refused sign-in reached %s", resp.Request.URL)
	}
	// A callback without the cookie.
	resp, page = getWith(t, browserClient(t), base+"/login/oidc/callback?code=x&state=y")
	if resp.StatusCode != 400 || !strings.Contains(page, "Start again") {
		t.Fatalf("callback without a flow: %d\n%s", resp.StatusCode, page)
	}

	// Password login off (by API key: a program is trusted to).
	code, body = ssoAPI(t, a, "PUT", "/api/v1/sso", `{"enabled":true,"issuerUrl":"`+idp.Issuer()+`","clientId":"`+idp.ClientID+
		`","emailDomains":["cairn.localhost","example.org"],"roleClaim":"groups","roleMappings":[{"value":"cairn-owners","role":"owner"}],"passwordLogin":false}`)
	if code != 200 || !strings.Contains(body, `"passwordLogin":false`) {
		t.Fatalf("PUT passwordLogin false: %d %s", code, body)
	}
	pc := browserClient(t)
	_, loginPage := getWith(t, pc, base+"/login")
	tok := between(loginPage, `name="csrf_token" value="`, `"`)
	resp, err = pc.PostForm(base+"/login", url.Values{"csrf_token": {tok}, "email": {a.FirstRun.OwnerEmail}, "password": {a.FirstRun.OwnerPassword}, "next": {"/admin"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "single sign-on, not with a password") || !strings.Contains(string(b), "/login/sso/my-organization") {
		t.Fatalf("password login of an SSO-only owner: %d\n%s", resp.StatusCode, b)
	}
	// Grace's single sign-on session now has no role: it was an issuer
	// session, and issuer no longer maps; it keeps working until the next
	// sign-in, which removes the access.
	idp.SetUser(map[string]any{"email": "grace@example.org", "email_verified": true, "groups": []string{"cairn-issuers"}})
	resp, page = getWith(t, c, base+"/login/sso/my-organization")
	if resp.StatusCode != 403 || !strings.Contains(page, "none of the values of the groups claim (cairn-issuers)") || !strings.Contains(page, "former role (issuer) was removed") {
		t.Fatalf("sign-in after the mapping was removed: %d\n%s", resp.StatusCode, page)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
