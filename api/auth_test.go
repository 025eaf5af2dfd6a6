package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("authn")
	revoked := e.keyFor(o, cairn.RoleIssuer)
	ks, _ := e.db.APIKeys(context.Background(), o.id)
	for _, k := range ks {
		if strings.HasPrefix(revoked, auth.APIKeyPrefix+k.Prefix+"_") {
			if err := e.db.RevokeAPIKey(context.Background(), o.id, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A well-formed key whose prefix exists but whose secret differs.
	forged := o.key[:len(o.key)-4] + "AAAA"
	if forged == o.key {
		forged = o.key[:len(o.key)-4] + "BBBB"
	}
	unknown, _ := api.NewAPIKey(o.id, "never stored", cairn.RoleOwner)
	for _, tc := range []struct {
		name, authz string
		wantError   string // error= in the challenge; "" for none
	}{
		{"none", "", ""},
		{"basic", "Basic dXNlcjpwYXNz", "invalid_request"},
		{"empty bearer", "Bearer ", "invalid_request"},
		{"malformed", "Bearer not-a-key", "invalid_token"},
		{"unknown", "Bearer " + unknown, "invalid_token"},
		{"forged", "Bearer " + forged, "invalid_token"},
		{"revoked", "Bearer " + revoked, "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.authz != "" {
				hdr = []string{"Authorization", tc.authz}
			}
			r := e.do("GET", "/api/v1/me", "", nil, hdr...)
			p := r.problem(t, 401)
			ch := r.hdr.Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, `Bearer realm="cairn"`) || (tc.wantError != "") != strings.Contains(ch, "error=") ||
				!strings.Contains(ch, tc.wantError) {
				t.Fatalf("WWW-Authenticate %q", ch)
			}
			if secret := strings.TrimPrefix(tc.authz, "Bearer "); len(secret) > 8 && (strings.Contains(p.Detail, secret) || strings.Contains(ch, secret)) {
				t.Fatalf("the answer echoes the key: %+v %q", p, ch)
			}
		})
	}
	// The scheme is case-insensitive.
	e.do("GET", "/api/v1/me", "", nil, "Authorization", "bearer "+o.key).must(t, 200, nil)
}

func TestAPIKeyTouchThrottled(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("touch")
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	e.srv.Now = func() time.Time { return now }
	lastUsed := func() *time.Time {
		ks, err := e.db.APIKeys(context.Background(), o.id)
		if err != nil || len(ks) != 1 {
			t.Fatal(ks, err)
		}
		return ks[0].LastUsedAt
	}
	if lastUsed() != nil {
		t.Fatal("a new key has been used")
	}
	e.do("GET", "/api/v1/me", o.key, nil).must(t, 200, nil)
	first := lastUsed()
	if first == nil || !first.Equal(now) {
		t.Fatalf("last used %v, want %v", first, now)
	}
	now = now.Add(30 * time.Second)
	e.do("GET", "/api/v1/me", o.key, nil).must(t, 200, nil)
	if got := lastUsed(); !got.Equal(*first) {
		t.Fatalf("touched again after 30s: %v", got)
	}
	now = now.Add(31 * time.Second)
	e.do("GET", "/api/v1/me", o.key, nil).must(t, 200, nil)
	if got := lastUsed(); !got.Equal(now) {
		t.Fatalf("not touched after a minute: %v, want %v", got, now)
	}
}

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("keys")
	var k struct {
		ID, Name, Prefix, Role, Key string
	}
	e.do("POST", "/api/v1/api-keys", o.key, map[string]any{"name": "deploy bot", "role": "issuer"}).must(t, 201, &k)
	if !strings.HasPrefix(k.Key, "cairn_") || k.Role != "issuer" || !strings.HasPrefix(k.Key, strings.TrimSuffix(k.Prefix, "…")) {
		t.Fatalf("new key: %+v", k)
	}
	var me struct{ Role string }
	e.do("GET", "/api/v1/me", k.Key, nil).must(t, 200, &me)
	if me.Role != "issuer" {
		t.Fatalf("me with the new key: %+v", me)
	}
	var list struct {
		Items []map[string]any
	}
	e.do("GET", "/api/v1/api-keys", o.key, nil).must(t, 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("keys: %+v", list)
	}
	for _, it := range list.Items {
		if _, ok := it["key"]; ok {
			t.Fatalf("a listed key shows its secret: %v", it)
		}
	}
	e.do("DELETE", "/api/v1/api-keys/"+k.ID, o.key, nil).must(t, 204, nil)
	e.do("GET", "/api/v1/me", k.Key, nil).problem(t, 401)
	e.do("DELETE", "/api/v1/api-keys/"+k.ID, o.key, nil).must(t, 204, nil) // revoking twice is fine
	e.do("DELETE", "/api/v1/api-keys/nope", o.key, nil).problem(t, 404)
	for _, body := range []string{`{"name":"","role":"viewer"}`, `{"name":"x","role":"admin"}`, `{"name":"x"}`} {
		e.do("POST", "/api/v1/api-keys", o.key, body).problem(t, 422)
	}
}

// TestSession authenticates with the web UI's session cookie: reads pass,
// writes need the CSRF token and a same-origin request.
func TestSession(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("sess")
	ctx := context.Background()
	token, as := auth.NewSession(time.Now())
	sess := &cairn.Session{TokenHash: api.SessionTokenHash(token), AccountID: o.ownerID, CSRFToken: as.CSRF, ExpiresAt: time.Now().Add(time.Hour)}
	if as.Hash.String() != sess.TokenHash {
		t.Fatal("SessionTokenHash differs from auth's hash")
	}
	if err := e.db.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	cookies, _ := auth.NewCookies(testBase)
	send := func(method, path, body string, hdr ...string) resp {
		req := httptest.NewRequest(method, testBase+path, strings.NewReader(body))
		req.AddCookie(&http.Cookie{Name: cookies.Name(), Value: token})
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return resp{rec.Code, rec.Header(), rec.Body.Bytes()}
	}
	var me struct {
		Role      string
		AccountID string `json:"accountId"`
	}
	send("GET", "/api/v1/me", "").must(t, 200, &me)
	if me.Role != "owner" || me.AccountID != o.ownerID {
		t.Fatalf("me: %+v", me)
	}
	body := `{"name":"Via the UI"}`
	send("POST", "/api/v1/issuers", body).problem(t, 403)
	send("POST", "/api/v1/issuers", body, "Sec-Fetch-Site", "cross-site", auth.CSRFHeader, as.CSRF).problem(t, 403)
	send("POST", "/api/v1/issuers", body, "Sec-Fetch-Site", "same-origin", auth.CSRFHeader, "wrong").problem(t, 403)
	send("POST", "/api/v1/issuers", body, "Sec-Fetch-Site", "same-origin", auth.CSRFHeader, as.CSRF).must(t, 201, nil)
	// Another organization's header is refused; a member's own is fine.
	send("GET", "/api/v1/me", "", api.OrgHeader, "someone-else").problem(t, 403)
	send("GET", "/api/v1/me", "", api.OrgHeader, o.id).must(t, 200, nil)
	// A logged-out session is 401.
	if err := e.db.DeleteSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	send("GET", "/api/v1/me", "").problem(t, 401)
}
