package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWalletImportNetworkRules: a URL import goes through the public
// verifier's network rules: no private or loopback address, https only.
func TestWalletImportNetworkRules(t *testing.T) {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	defer stop()
	base := a.BaseURL()
	inside := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the importer reached %s on a loopback address", r.URL)
	}))
	defer inside.Close()
	post := func(path, tok, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, out := post("/api/v1/learner/signup", "", `{"email":"ada@example.org","password":"correct horse battery","name":"Ada"}`); code != 201 {
		t.Fatalf("signup: %d %s", code, out)
	}
	code, out := post("/api/v1/learner/session", "", `{"email":"ada@example.org","password":"correct horse battery"}`)
	var tok struct{ Token string }
	if code != 201 || json.Unmarshal([]byte(out), &tok) != nil {
		t.Fatalf("session: %d %s", code, out)
	}
	for _, u := range []string{inside.URL + "/assertion", "https://localhost:1/a", "https://10.0.0.1/a", "http://" + strings.TrimPrefix(inside.URL, "https://") + "/a"} {
		code, out := post("/api/v1/learner/credentials", tok.Token, `{"url":"`+u+`"}`)
		var p struct{ Field, Detail string }
		json.Unmarshal([]byte(out), &p)
		if code != 422 || p.Field != "url" || strings.Contains(p.Detail, "127.0.0.1:") && !strings.Contains(p.Detail, u) {
			t.Errorf("%s: %d %s", u, code, out)
		}
		want := "not a public address"
		if strings.HasPrefix(u, "http:") {
			want = "refusing plain http"
		}
		if !strings.Contains(p.Detail, want) {
			t.Errorf("%s: %q, want it to say %q", u, p.Detail, want)
		}
	}
}
