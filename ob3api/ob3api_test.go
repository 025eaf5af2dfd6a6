package ob3api_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/oauth"
	"github.com/cairn-badges/cairn/ob3api"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
)

const credJSON = `{"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:1","type":["VerifiableCredential","OpenBadgeCredential"]}`

type env struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	svc      *oauth.Service
	srv      *httptest.Server
	clientID string
	secret   string
	redirect string
	verifier string
	imports  *fakeImporter
}

// fakeImporter keeps what it is given, unverified, through the store's
// upsert; a body containing "FAIL" fails verification.
type fakeImporter struct {
	db   *store.DB
	seen []wallet.ImportInput
}

func (f *fakeImporter) Import(ctx context.Context, learnerID string, in wallet.ImportInput) (*wallet.Imported, bool, error) {
	f.seen = append(f.seen, in)
	if strings.Contains(string(in.Data), "FAIL") {
		return nil, false, &wallet.FailedError{Report: &verify.Report{Result: verify.Failed}}
	}
	var c struct{ ID string }
	_ = json.Unmarshal(in.Data, &c)
	out, existed, err := f.db.UpsertLearnerImport(ctx, &store.LearnerImport{LearnerID: learnerID, Digest: fmt.Sprintf("%x", sha256.Sum256(in.Data)),
		Format: "ob3", Credential: in.Data, CredentialID: c.ID, IssuerID: "did:example:issuer", Report: []byte(`{}`), Result: "verified"}, 100)
	if err != nil {
		return nil, false, err
	}
	return &wallet.Imported{LearnerImport: out}, !existed, nil
}

func newEnv(t *testing.T) *env {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, db: db, redirect: "https://client.example.org/cb", verifier: strings.Repeat("pkce-verifier", 4)}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.svc = oauth.New(db, e.srv.URL, oauth.Options{})
	e.imports = &fakeImporter{db: db}
	(&ob3api.Handler{OAuth: e.svc, Store: db, Imports: e.imports, BaseURL: e.srv.URL, AuthorizeURL: e.srv.URL + "/oauth/ob3/authorize"}).Register(mux)
	return e
}

func (e *env) do(method, path, ctype, body string, mod func(*http.Request)) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (e *env) register(scope string) {
	e.t.Helper()
	resp, b := e.do("POST", "/oauth/ob3/register", "application/json",
		`{"client_name":"Other Wallet","redirect_uris":["`+e.redirect+`"],"scope":"`+scope+`"}`, nil)
	if resp.StatusCode != 201 {
		e.t.Fatalf("register: %d %s", resp.StatusCode, b)
	}
	var r struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal(b, &struct {
		ID     *string `json:"client_id"`
		Secret *string `json:"client_secret"`
	}{&r.ClientID, &r.ClientSecret}); err != nil || r.ClientID == "" || r.ClientSecret == "" {
		e.t.Fatalf("register: %s", b)
	}
	e.clientID, e.secret = r.ClientID, r.ClientSecret
}

func (e *env) learner(email string) string {
	e.t.Helper()
	l := &store.Learner{Email: email, Name: "Ada " + email, PasswordHash: "x"}
	if err := e.db.CreateLearner(e.ctx, l, "t-"+email, time.Now().Add(time.Hour), time.Now()); err != nil {
		e.t.Fatal(err)
	}
	return l.ID
}

// approve stands in for the consent page: the learner allows scope.
func (e *env) approve(learner, scope string) string {
	e.t.Helper()
	a, oerr := e.svc.CheckAuthorize(e.ctx, url.Values{"response_type": {"code"}, "client_id": {e.clientID}, "redirect_uri": {e.redirect},
		"scope": {scope}, "code_challenge": {oauth.ChallengeOf(e.verifier)}, "code_challenge_method": {"S256"}})
	if oerr != nil {
		e.t.Fatal(oerr)
	}
	to, err := e.svc.Approve(e.ctx, learner, a)
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(to)
	return u.Query().Get("code")
}

func (e *env) tokenReq(form url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, b := e.do("POST", "/oauth/ob3/token", "application/x-www-form-urlencoded", form.Encode(), func(r *http.Request) {
		r.SetBasicAuth(url.QueryEscape(e.clientID), url.QueryEscape(e.secret))
	})
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func (e *env) tokens(learner, scope string) (access, refresh string) {
	e.t.Helper()
	st, m := e.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {e.approve(learner, scope)},
		"code_verifier": {e.verifier}, "redirect_uri": {e.redirect}})
	if st != 200 {
		e.t.Fatalf("token: %d %v", st, m)
	}
	return m["access_token"].(string), m["refresh_token"].(string)
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func (e *env) addImport(learner, digest, cred string) {
	e.t.Helper()
	if _, _, err := e.db.CreateLearnerImport(e.ctx, &store.LearnerImport{LearnerID: learner, Digest: digest, Format: "ob3",
		Credential: []byte(cred), Report: []byte(`{}`), Result: "verified"}, 100); err != nil {
		e.t.Fatal(err)
	}
}

func TestAPI(t *testing.T) {
	e := newEnv(t)
	e.register(oauth.ScopeCredentialRead + " " + oauth.ScopeProfileRead)
	ada, grace := e.learner("ada@example.org"), e.learner("grace@example.org")
	e.addImport(ada, "d1", credJSON)
	e.addImport(ada, "d2", "eyJhbGciOiJFZERTQSJ9.e30.c2ln")
	e.addImport(ada, "d3", strings.Replace(credJSON, "urn:uuid:1", "urn:uuid:3", 1))
	e.addImport(grace, "g1", strings.Replace(credJSON, "urn:uuid:1", "urn:uuid:grace", 1))

	at, rt := e.tokens(ada, oauth.ScopeCredentialRead)

	resp, b := e.do("GET", "/ims/ob/v3p0/credentials?limit=2", "", "", bearer(at))
	if resp.StatusCode != 200 || resp.Header.Get("X-Total-Count") != "3" || !strings.Contains(resp.Header.Get("Link"), `offset=2>; rel="next"`) {
		t.Fatalf("getCredentials: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	var page struct {
		CompactJwsStrings []string
		Credential        []map[string]any
	}
	if err := json.Unmarshal(b, &page); err != nil || len(page.CompactJwsStrings)+len(page.Credential) != 2 {
		t.Fatalf("page: %s", b)
	}
	if strings.Contains(string(b), "grace") {
		t.Fatalf("another learner's credential: %s", b)
	}
	_, b = e.do("GET", "/ims/ob/v3p0/credentials?offset=2&limit=2", "", "", bearer(at))
	if strings.Count(string(b), "urn:uuid:") != 1 {
		t.Fatalf("second page: %s", b)
	}

	// Grace's token sees Grace's only.
	gat, _ := e.tokens(grace, oauth.ScopeCredentialRead)
	resp, b = e.do("GET", "/ims/ob/v3p0/credentials", "", "", bearer(gat))
	if resp.Header.Get("X-Total-Count") != "1" || !strings.Contains(string(b), "urn:uuid:grace") {
		t.Fatalf("grace: %v %s", resp.Header, b)
	}

	// The scope is checked: this token may not read the profile.
	resp, b = e.do("GET", "/ims/ob/v3p0/profile", "", "", bearer(at))
	if resp.StatusCode != 403 || !strings.Contains(string(b), `"imsx_codeMajor":"failure"`) ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Fatalf("profile without scope: %d %s", resp.StatusCode, b)
	}
	pat, _ := e.tokens(ada, oauth.ScopeProfileRead)
	resp, b = e.do("GET", "/ims/ob/v3p0/profile", "", "", bearer(pat))
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"email":"ada@example.org"`) || !strings.Contains(string(b), `"type":"Profile"`) {
		t.Fatalf("profile: %d %s", resp.StatusCode, b)
	}

	// Refresh, then revoke: the access tokens stop working.
	st, m := e.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if st != 200 {
		t.Fatalf("refresh: %d %v", st, m)
	}
	at2, rt2 := m["access_token"].(string), m["refresh_token"].(string)
	if resp, _ := e.do("GET", "/ims/ob/v3p0/credentials", "", "", bearer(at2)); resp.StatusCode != 200 {
		t.Fatalf("refreshed token: %d", resp.StatusCode)
	}
	resp, b = e.do("POST", "/oauth/ob3/revoke", "application/x-www-form-urlencoded", url.Values{"token": {rt2}}.Encode(), func(r *http.Request) {
		r.SetBasicAuth(e.clientID, e.secret)
	})
	if resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do("GET", "/ims/ob/v3p0/credentials", "", "", bearer(at2))
	if resp.StatusCode != 401 || !strings.Contains(string(b), "unauthorisedrequest") || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("after revoke: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do("GET", "/ims/ob/v3p0/credentials", "", "", nil); resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/ims/ob/v3p0/credentials?limit=0", "", "", bearer(gat)); resp.StatusCode != 400 {
		t.Fatalf("limit=0: %d", resp.StatusCode)
	}
}

func TestTokenRefused(t *testing.T) {
	e := newEnv(t)
	e.register(oauth.ScopeCredentialRead)
	ada := e.learner("ada@example.org")
	for name, c := range map[string]struct {
		form   url.Values
		status int
		code   string
	}{
		"wrong verifier": {url.Values{"grant_type": {"authorization_code"}, "code": {e.approve(ada, oauth.ScopeCredentialRead)},
			"code_verifier": {strings.Repeat("w", 50)}, "redirect_uri": {e.redirect}}, 400, "invalid_grant"},
		"wrong redirect": {url.Values{"grant_type": {"authorization_code"}, "code": {e.approve(ada, oauth.ScopeCredentialRead)},
			"code_verifier": {e.verifier}, "redirect_uri": {e.redirect + "x"}}, 400, "invalid_grant"},
		"wider scope": {url.Values{"grant_type": {"authorization_code"}, "code": {e.approve(ada, oauth.ScopeCredentialRead)},
			"code_verifier": {e.verifier}, "redirect_uri": {e.redirect}, "scope": {oauth.ScopeProfileRead}}, 400, "invalid_scope"},
		"implicit": {url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
	} {
		t.Run(name, func(t *testing.T) {
			st, m := e.tokenReq(c.form)
			if st != c.status || m["error"] != c.code {
				t.Fatalf("%d %v", st, m)
			}
		})
	}
	e.secret = "nope"
	if st, m := e.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}); st != 401 || m["error"] != "invalid_client" {
		t.Fatalf("bad secret: %d %v", st, m)
	}
}

func TestRegisterRefused(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do("POST", "/oauth/ob3/register", "application/json", `{"client_name":"x","redirect_uris":["http://evil.example/cb"]}`, nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "invalid_redirect_uri") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	resp, _ = e.do("POST", "/oauth/ob3/register", "application/json", `{"client_name":"`+strings.Repeat("x", ob3api.MaxOAuthBody)+`"}`, nil)
	if resp.StatusCode != 413 {
		t.Fatalf("oversized: %d", resp.StatusCode)
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	resp, b := e.do("GET", "/ims/ob/v3p0/discovery", "", "", nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	var d struct {
		Components struct {
			SecuritySchemes map[string]struct {
				Registration string `json:"x-imssf-registrationUrl"`
				Flows        struct {
					AuthorizationCode struct {
						AuthorizationURL, TokenURL, RefreshURL string
						Scopes                                 map[string]string
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	s := d.Components.SecuritySchemes["OAuth2ACG"]
	f := s.Flows.AuthorizationCode
	if s.Registration != e.srv.URL+"/oauth/ob3/register" || f.TokenURL != e.srv.URL+"/oauth/ob3/token" || f.AuthorizationURL == "" ||
		len(f.Scopes) != 4 || f.Scopes[oauth.ScopeCredentialUpsert] == "" {
		t.Fatalf("%s", b)
	}
}

func TestUpsertCredential(t *testing.T) {
	e := newEnv(t)
	e.register(oauth.ScopeCredentialRead + " " + oauth.ScopeCredentialUpsert)
	ada := e.learner("ada@example.org")
	read, _ := e.tokens(ada, oauth.ScopeCredentialRead)
	up, _ := e.tokens(ada, oauth.ScopeCredentialUpsert)

	post := func(tok, ctype, body string) (int, string) {
		resp, b := e.do("POST", "/ims/ob/v3p0/credentials", ctype, body, bearer(tok))
		return resp.StatusCode, string(b)
	}
	if st, b := post(read, "application/json", credJSON); st != 403 {
		t.Fatalf("read-only token: %d %s", st, b)
	}
	if st, b := post(up, "application/json", credJSON); st != 201 || b != credJSON {
		t.Fatalf("first upsert: %d %s", st, b)
	}
	if !e.imports.seen[0].Upsert || e.imports.seen[0].OnFailure != wallet.RefuseFailed {
		t.Fatalf("import input: %+v", e.imports.seen[0])
	}
	changed := strings.Replace(credJSON, `"id":"urn:uuid:1",`, `"id":"urn:uuid:1","name":"v2",`, 1)
	if st, b := post(up, "application/json", changed); st != 200 {
		t.Fatalf("second upsert: %d %s", st, b)
	}
	resp, b := e.do("GET", "/ims/ob/v3p0/credentials", "", "", bearer(read))
	if resp.Header.Get("X-Total-Count") != "1" || !strings.Contains(string(b), `"v2"`) {
		t.Fatalf("after the upserts: %v %s", resp.Header, b)
	}
	if st, b := post(up, "application/json", `{"FAIL":1}`); st != 400 || !strings.Contains(b, "invalid_data") {
		t.Fatalf("failed credential: %d %s", st, b)
	}
	if st, _ := post(up, "image/png", "x"); st != 415 {
		t.Fatalf("media type: %d", st)
	}
	if st, _ := post(up, "application/json", strings.Repeat(" ", ob3api.MaxUpsertBody+1)); st != 413 {
		t.Fatalf("oversized: %d", st)
	}
}

func TestPutProfile(t *testing.T) {
	e := newEnv(t)
	e.register(oauth.ScopeProfileRead + " " + oauth.ScopeProfileUpdate)
	ada := e.learner("ada@example.org")
	read, _ := e.tokens(ada, oauth.ScopeProfileRead)
	upd, _ := e.tokens(ada, oauth.ScopeProfileUpdate)
	put := func(tok, body string) (int, string) {
		resp, b := e.do("PUT", "/ims/ob/v3p0/profile", "application/json", body, bearer(tok))
		return resp.StatusCode, string(b)
	}
	if st, _ := put(read, `{"name":"Ada Lovelace"}`); st != 403 {
		t.Fatalf("read-only token: %d", st)
	}
	if st, b := put(upd, `{"type":"Profile","name":"Ada Lovelace","email":"ADA@example.org"}`); st != 200 || !strings.Contains(b, `"name":"Ada Lovelace"`) {
		t.Fatalf("put: %d %s", st, b)
	}
	if _, b := e.do("GET", "/ims/ob/v3p0/profile", "", "", bearer(read)); !strings.Contains(string(b), `"name":"Ada Lovelace"`) {
		t.Fatalf("after put: %s", b)
	}
	for _, body := range []string{`{"name":"x","email":"eve@example.org"}`, `{"name":""}`, `{}`, `[`,
		`{"name":"Ada","description":"No portfolio yet"}`} {
		if st, b := put(upd, body); st != 400 || !strings.Contains(b, "invalid_data") {
			t.Errorf("%s: %d %s", body, st, b)
		}
	}

	// With a public portfolio: its text is the description, its page the
	// url; a verified DID is another identifier.
	if err := e.db.PutLearnerProfile(e.ctx, &store.LearnerProfile{LearnerID: ada, Handle: "ada-l", Public: true, Bio: "Old text"}); err != nil {
		t.Fatal(err)
	}
	const d = "did:example:ada-4711"
	if err := e.db.PutLearnerDIDChallenge(e.ctx, ada, d, "h", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := e.db.VerifyLearnerDID(e.ctx, ada, d, "h"); err != nil {
		t.Fatal(err)
	}
	st, b := put(upd, `{"type":"Profile","name":"Ada Lovelace","description":"I teach maths.","url":"https://elsewhere.example/"}`)
	if st != 200 || !strings.Contains(b, `"description":"I teach maths."`) || !strings.Contains(b, `"url":"`+e.srv.URL+`/learners/ada-l"`) {
		t.Fatalf("put with a description: %d %s", st, b)
	}
	var prof struct {
		Description string
		Other       []struct{ Type, Identifier, IdentifierType string } `json:"otherIdentifier"`
	}
	_, gb := e.do("GET", "/ims/ob/v3p0/profile", "", "", bearer(read))
	if err := json.Unmarshal(gb, &prof); err != nil || prof.Description != "I teach maths." || len(prof.Other) != 1 ||
		prof.Other[0].Identifier != d || prof.Other[0].IdentifierType != "did" || prof.Other[0].Type != "IdentifierEntry" {
		t.Errorf("getProfile: %s", gb)
	}
	if pr, err := e.db.LearnerProfile(e.ctx, ada); err != nil || pr.Bio != "I teach maths." || pr.Handle != "ada-l" || !pr.Public {
		t.Errorf("the portfolio after putProfile: %+v %v", pr, err)
	}
	if st, b := put(upd, `{"name":"Ada","description":"`+strings.Repeat("x", 2001)+`"}`); st != 400 || !strings.Contains(b, "description") {
		t.Errorf("a description too long: %d %s", st, b)
	}
}
