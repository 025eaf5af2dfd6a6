package app

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
)

// TestCredentialPagesAhead boots the real server: an award's page is
// rendered and stored once the transparency log has the award (so its
// first view shows the log entry, verified), a revocation shows at once,
// and "Check again" goes through the public verifier's rate limit.
func TestCredentialPagesAhead(t *testing.T) {
	a, stop := bootWith(t, Config{Verify: VerifyLimits{Rate: 0.001, Burst: 2}})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := call("POST", "/api/v1/awards?wait=inclusion&timeout=20s",
		`{"achievementId":"`+fr.AchievementID+`","recipient":{"email":"ada@example.org"},"formats":["di"]}`)
	var out struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("issue: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	var stored *cairn.RenderedPage
	for deadline := time.Now().Add(20 * time.Second); stored == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		stored, _ = a.db.RenderedPage(context.Background(), out.ID)
	}
	if stored == nil {
		t.Fatal("the page was not rendered ahead")
	}
	if stored.Result != "verified" {
		t.Errorf("the page rendered ahead is %s, want verified (with the log entry)", stored.Result)
	}
	page := string(getOK(t, base+"/credentials/"+out.ID))
	for _, want := range []string{"Verified: every check passed", "Verified on <time", "transparency log at index", "Check again"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %q", want)
		}
	}

	post := func() *http.Response {
		t.Helper()
		resp, err := http.Post(base+"/credentials/"+out.ID+"/verify", "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := range 2 {
		if resp := post(); resp.StatusCode != 200 || !strings.Contains(resp.Request.URL.RawQuery, "checked=") {
			t.Fatalf("check again #%d: %d at %s", i+1, resp.StatusCode, resp.Request.URL)
		}
	}
	if resp := post(); resp.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("check again past the rate: %d %s, want 429 as a page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	if resp := call("POST", "/api/v1/awards/"+out.ID+"/revoke", `{"reason":"Issued in error"}`); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	page = string(getOK(t, base+"/credentials/"+out.ID))
	if !strings.Contains(page, "This credential was revoked by its issuer") || strings.Contains(page, "Verified: every check passed") {
		t.Error("the page does not show the revocation at once")
	}
}

func TestPrerenderShareConfig(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  float64
		err   string
	}{
		{"0.25", 0.25, ""},
		{"1", 1, ""},
		{"0", 0, "want a number above 0, at most 1"},
		{"2", 0, "want a number above 0, at most 1"},
		{"half", 0, "invalid syntax"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv("CAIRN_PRERENDER_SHARE", tc.value)
			cfg := ConfigFromEnv()
			if tc.err == "" {
				if len(cfg.errs) > 0 || cfg.PrerenderShare != tc.want {
					t.Errorf("PrerenderShare = %v (%v), want %v", cfg.PrerenderShare, cfg.errs, tc.want)
				}
				return
			}
			if len(cfg.errs) == 0 || !strings.Contains(cfg.errs[0].Error(), "CAIRN_PRERENDER_SHARE") || !strings.Contains(cfg.errs[0].Error(), tc.err) {
				t.Errorf("errors %v, want one naming CAIRN_PRERENDER_SHARE: %s", cfg.errs, tc.err)
			}
		})
	}
}

// TestPageMemoryConfig: CAIRN_PAGE_MEMORY takes a size, names itself when
// it does not parse, and by default is 256 MiB or a quarter of the heap's
// soft limit, whichever is less.
func TestPageMemoryConfig(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int64
		err   string
	}{
		{"64MiB", 64 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"1000000", 1000000, ""},
		{"0", 0, "want a positive size"},
		{"lots", 0, "invalid syntax"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv("CAIRN_PAGE_MEMORY", tc.value)
			cfg := ConfigFromEnv()
			if tc.err == "" {
				if len(cfg.errs) > 0 || cfg.PageMemory != tc.want || pageMemory(cfg.PageMemory) != tc.want {
					t.Errorf("PageMemory = %v (%v), want %v", cfg.PageMemory, cfg.errs, tc.want)
				}
				return
			}
			if len(cfg.errs) == 0 || !strings.Contains(cfg.errs[0].Error(), "CAIRN_PAGE_MEMORY") || !strings.Contains(cfg.errs[0].Error(), tc.err) {
				t.Errorf("errors %v, want one naming CAIRN_PAGE_MEMORY: %s", cfg.errs, tc.err)
			}
		})
	}
	old := debug.SetMemoryLimit(200 << 20)
	defer debug.SetMemoryLimit(old)
	if got := pageMemory(0); got != 50<<20 {
		t.Errorf("default under a 200 MiB heap limit: %d, want 50 MiB", got)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got := pageMemory(0); got != defaultPageMemory {
		t.Errorf("default without a heap limit: %d, want %d", got, defaultPageMemory)
	}
}
