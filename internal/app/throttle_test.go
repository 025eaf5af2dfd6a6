package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bootWith runs an App with cfg on 127.0.0.1:0, offline, in a new data
// folder.
func bootWith(t *testing.T, cfg Config) (*App, func()) {
	t.Helper()
	cfg.Addr, cfg.DataDir, cfg.Offline = "127.0.0.1:0", t.TempDir(), true
	return bootConfig(t, cfg)
}

// TestVerifyThrottled: the public verifier's routes share one rate per
// client; past it, 429 with Retry-After (a problem document for the API, a
// page for the form), while the other routes are not limited.
func TestVerifyThrottled(t *testing.T) {
	a, stop := bootWith(t, Config{Verify: VerifyLimits{Rate: 0.001, Burst: 2}, MetricsToken: "metrics-token"})
	defer stop()
	base := a.BaseURL()
	cred := fetchBody(t, base+"/demo/credential.json")
	post := func(path, ctype, body string) *http.Response {
		t.Helper()
		resp, err := http.Post(base+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post("/api/v1/verify", "application/json", cred); resp.StatusCode != 200 {
		t.Fatalf("first verification: %d", resp.StatusCode)
	}
	if resp := post("/verify", "application/x-www-form-urlencoded", "credential=x"); resp.StatusCode != 200 {
		t.Fatalf("second verification (the form): %d", resp.StatusCode)
	}
	resp := post("/api/v1/verify", "application/json", cred)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("third verification: %d, Retry-After %q, %s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	resp = post("/verify", "application/x-www-form-urlencoded", "credential=x")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the form past the rate: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for range 5 {
		if code, _ := get(t, base+"/healthz"); code != 200 {
			t.Fatalf("another route is limited: %d", code)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-token")
	mresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer mresp.Body.Close()
	metrics, _ := io.ReadAll(mresp.Body)
	if !strings.Contains(string(metrics), "cairn_verify_rejected_rate_total 2") {
		t.Errorf("metrics do not count the refusals")
	}
}

// TestVerifyBudget: a verification past its processing time is
// indeterminate and says so.
func TestVerifyBudget(t *testing.T) {
	a, stop := bootWith(t, Config{Verify: VerifyLimits{Timeout: time.Nanosecond, Rate: -1}})
	defer stop()
	base := a.BaseURL()
	resp, err := http.Post(base+"/api/v1/verify", "application/json", strings.NewReader(fetchBody(t, base+"/demo/credential.json")))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep struct {
		Result string
		Checks []struct{ Check, Outcome, Reason string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || rep.Result != "indeterminate" {
		t.Fatalf("%d %+v", resp.StatusCode, rep)
	}
	last := rep.Checks[len(rep.Checks)-1]
	if !strings.Contains(last.Reason, "ran out of time") {
		t.Errorf("last check %+v", last)
	}
}

func TestVerifyLimitsConfig(t *testing.T) {
	t.Setenv("CAIRN_VERIFY_RATE", "fast")
	t.Setenv("CAIRN_VERIFY_TIMEOUT", "2s")
	cfg := ConfigFromEnv()
	if cfg.Verify.Timeout != 2*time.Second {
		t.Errorf("CAIRN_VERIFY_TIMEOUT: %v", cfg.Verify.Timeout)
	}
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	_, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "CAIRN_VERIFY_RATE") {
		t.Fatalf("New with CAIRN_VERIFY_RATE=fast: %v", err)
	}
}
