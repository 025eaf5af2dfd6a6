package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/verify"
)

// TestBrowserReverify opens a credential page rendered ahead of its view:
// it says when it was checked, and its "Check again" button verifies it
// again and shows the new time (screenshots credential-checked.png, before,
// and credential-rechecked.png, after).
func TestBrowserReverify(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	var mu sync.Mutex
	now := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	// The service's base URL is the test server's, so the form posts to it.
	cv := &countingVerifier{}
	e2 := newEnv(t, srv.URL, PublicOptions{Now: clock, Verifier: cv})
	cv.v = verify.New(e2.svc.Fetcher(nil))
	mux = e2.mux
	runWorker(t, e2.pub)
	aw := e2.award(t, e2.ach, true)
	e2.pub.Precompute(aw.ID)
	waitFor(t, "the page rendered ahead", func() bool {
		_, err := e2.store.(cairn.PageStore).RenderedPage(context.Background(), aw.ID)
		return err == nil
	})

	ctx := testenv.Browser(t, 60*time.Second)
	dir := testenv.ScreenshotDir(t)
	shoot := func(name string) {
		t.Helper()
		shot := run(t, ctx, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(srv.URL+"/credentials/"+aw.ID),
		chromedp.WaitVisible(chromedp.CSS("#checked")),
	); err != nil {
		t.Fatal(err)
	}
	before := run(t, ctx, chromedp.Text(chromedp.CSS("#checked")))
	shoot("credential-checked.png")
	if !strings.Contains(before, "Verified on 22 November 2026 at 09:30:00 UTC") || !strings.Contains(before, "Check again") {
		t.Errorf("the page says %q, want when it was verified and a button", before)
	}
	if n := cv.count(); n != 1 {
		t.Errorf("the first view verified: %d verifications, want 1", n)
	}

	mu.Lock()
	now = now.Add(5*time.Minute + 7*time.Second)
	mu.Unlock()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#recheck")),
		chromedp.WaitVisible(chromedp.CSS(`#checked time[datetime="2026-11-22T09:35:07Z"]`)),
	); err != nil {
		t.Fatal(err)
	}
	after := run(t, ctx, chromedp.Text(chromedp.CSS("#checked")))
	location := run(t, ctx, chromedp.Evaluate[string](`location.href`))
	banner := run(t, ctx, chromedp.Text(chromedp.CSS("#result")))
	shoot("credential-rechecked.png")
	if !strings.Contains(after, "Verified on 22 November 2026 at 09:35:07 UTC") {
		t.Errorf("after Check again the page says %q", after)
	}
	if !strings.Contains(banner, "Verified: every check passed") {
		t.Errorf("banner %q after Check again", banner)
	}
	if !strings.Contains(location, "/credentials/"+aw.ID+"?checked=") {
		t.Errorf("Check again landed on %s", location)
	}
	if n := cv.count(); n != 2 {
		t.Errorf("Check again: %d verifications in all, want 2", n)
	}
}
