package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Benchmarks of the cached public reads through the whole server handler:
// the security headers, the metrics, the verifier's route check, the mux
// and the page handlers, as `cairn serve` runs them (only net/http's
// connection handling is left out; scripts/load.sh measures it whole).
// Figures on the 2-core machine: docs/PERFORMANCE.md. Run with
//
//	go test -run '^$' -bench Serve -benchmem -cpu 1 ./internal/app

// benchApp boots the real server (SQLite, offline) and issues one award
// through the API, waiting until its page is rendered ahead and stored.
func benchApp(b *testing.B) (*App, string) {
	b.Helper()
	cfg := Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Offline: true}
	a, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })

	req, _ := http.NewRequest("POST", a.BaseURL()+"/api/v1/awards?wait=inclusion&timeout=20s",
		strings.NewReader(`{"achievementId":"`+a.FirstRun.AchievementID+`","recipient":{"email":"ada@example.org"},"formats":["di","jwt"]}`))
	req.Header.Set("Authorization", "Bearer "+a.FirstRun.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var out struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("issue: %d %v", resp.StatusCode, err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if pg, _ := a.db.RenderedPage(context.Background(), out.ID); pg != nil && pg.Result == "verified" {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the page was not rendered ahead")
		}
	}
	return a, out.ID
}

// serveBench serves GET path through the server's handler b.N times, with
// the request headers given (an If-None-Match of "current" is replaced by
// the ETag of a first answer), checking each status.
func serveBench(b *testing.B, path string, header ...string) {
	a, id := benchApp(b)
	path = strings.ReplaceAll(path, "{id}", id)
	h := a.server.Handler
	do := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	req := func() *http.Request {
		r := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return r
	}
	want := http.StatusOK
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "If-None-Match" {
			r := req()
			r.Header.Del("If-None-Match")
			header[i+1], want = do(r).Header().Get("ETag"), http.StatusNotModified
		}
	}
	if w := do(req()); w.Code != want {
		b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		r := req()
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != want {
				b.Errorf("status %d, want %d", w.Code, want)
			}
		}
	})
}

// BenchmarkServeCredentialPage: the credential page of a popular
// credential, to a browser (gzip), rendered ahead.
func BenchmarkServeCredentialPage(b *testing.B) {
	serveBench(b, "/credentials/{id}", "Accept", "text/html,application/xhtml+xml", "Accept-Encoding", "gzip, deflate, br")
}

// BenchmarkServeCredentialPageIdentity: the same page to a client that
// does not take gzip (15 KB instead of 4).
func BenchmarkServeCredentialPageIdentity(b *testing.B) {
	serveBench(b, "/credentials/{id}", "Accept", "text/html")
}

// BenchmarkServeCredentialPage304: a browser asking again with the ETag it
// has (the page is no-cache, so every view of a kept page does this).
func BenchmarkServeCredentialPage304(b *testing.B) {
	serveBench(b, "/credentials/{id}", "Accept", "text/html", "Accept-Encoding", "gzip", "If-None-Match", "current")
}

// BenchmarkServeCredentialJSON: the signed credential, .json.
func BenchmarkServeCredentialJSON(b *testing.B) {
	serveBench(b, "/credentials/{id}.json")
}

// BenchmarkServeCredentialJSONGzip: the same, gzip.
func BenchmarkServeCredentialJSONGzip(b *testing.B) {
	serveBench(b, "/credentials/{id}.json", "Accept-Encoding", "gzip")
}

// BenchmarkServeCredentialVC: the credential page's address with Accept:
// application/vc+ld+json (what a verifier asks for).
func BenchmarkServeCredentialVC(b *testing.B) {
	serveBench(b, "/credentials/{id}", "Accept", "application/vc+ld+json")
}

// BenchmarkServeCredentialPNG: the credential baked into its badge image.
func BenchmarkServeCredentialPNG(b *testing.B) {
	serveBench(b, "/credentials/{id}.png")
}

// BenchmarkServeCredentialSVG: the credential baked into an SVG, gzip.
func BenchmarkServeCredentialSVG(b *testing.B) {
	serveBench(b, "/credentials/{id}.svg", "Accept-Encoding", "gzip")
}

// cpuTime is the CPU time (user and system) the process has used: on a
// shared machine, the CPU a request costs says more than the wall time
// (cpu-ns/op in the benchmarks' output).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
