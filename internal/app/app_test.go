package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func boot(t *testing.T, dir string) (*App, func()) {
	t.Helper()
	return bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: dir, Offline: true})
}

// bootConfig runs an App with cfg until the returned function is called.
func bootConfig(t testing.TB, cfg Config) (*App, func()) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := New(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return a, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFirstRun boots the real server on a fresh data folder, as a newcomer
// does, verifies the demo badge through the API and the page, and checks a
// second boot reuses the same key and badge.
func TestFirstRun(t *testing.T) {
	dir := t.TempDir()
	a, stop := boot(t, dir)
	if a.FirstRun == nil || a.FirstRun.APIKey == "" || a.FirstRun.OwnerPassword == "" {
		t.Fatal("a fresh data folder is not a first run")
	}
	base := a.BaseURL()
	if code, body := get(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	code, home := get(t, base+"/")
	if code != 200 || !strings.Contains(home, "Verify a badge") || !strings.Contains(home, a.Demo.IssuerDID) {
		t.Fatalf("home: %d", code)
	}
	for _, f := range []string{"badge.png", "badge.svg", "credential.json", "credential.jwt"} {
		resp, err := http.Post(base+"/api/v1/verify", "application/octet-stream", strings.NewReader(fetchBody(t, base+"/demo/"+f)))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Result string `json:"result"`
		}
		json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if resp.StatusCode != 200 || rep.Result != "verified" {
			t.Fatalf("%s: %d %+v", f, resp.StatusCode, rep)
		}
	}
	resp, err := http.PostForm(base+"/verify", map[string][]string{"demo": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Verified: every check passed") {
		t.Fatalf("verify page does not say verified:\n%s", page)
	}
	// Bad input: a clear failure, not a 500.
	resp, _ = http.Post(base+"/api/v1/verify", "application/json", strings.NewReader("{nope"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad JSON: status %d", resp.StatusCode)
	}
	did := a.Demo.IssuerDID
	json1 := string(a.Demo.JSON)
	stop()

	b, stop2 := boot(t, dir)
	defer stop2()
	// The second boot listens on another port (so another base URL), but
	// shows the same stored credential.
	_ = did
	if b.FirstRun != nil || b.Demo == nil || string(b.Demo.JSON) != json1 {
		t.Fatal("second boot did not reuse the data folder")
	}
}

func fetchBody(t *testing.T, url string) string {
	code, body := get(t, url)
	if code != 200 {
		t.Fatalf("%s: %d", url, code)
	}
	return body
}
