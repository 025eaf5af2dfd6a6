// Package testenv holds what several packages' tests need: a migrated
// SQLite store with an issuing service over it, and a headless Chromium
// for browser tests. Only tests import it.
package testenv

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/store"
)

// Service returns a migrated SQLite store in a temporary folder and an
// issuing service over it, with a fresh master key, for base URL base.
// Both are closed when t ends. log may be nil.
func Service(t testing.TB, base string, log *slog.Logger) (*store.DB, *issuing.Service) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := issuing.New(db, kr, issuing.Options{BaseURL: base, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return db, svc
}

// Chromium returns the browser browser tests drive: $CAIRN_CHROMIUM, else
// Debian's chromium. It skips t when there is none, or in -short mode.
func Chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if p := os.Getenv("CAIRN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser test skipped: no chromium found (set CAIRN_CHROMIUM, or apt-get install -y chromium; .ci/run installs it)")
	return ""
}

// Browser starts headless Chromium (see Chromium) and returns a chromedp
// context bounded by timeout; the browser stops when t ends. The flags keep
// it off the network, which this machine does not have.
func Browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	exe := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	// Chromium now and then exits before it listens when several tests
	// start it at once on a loaded machine ("chrome failed to start");
	// a fresh process a moment later starts, so try a few times.
	var ctx context.Context
	for attempt := 1; ; attempt++ {
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		c, cancelCtx := chromedp.NewContext(actx)
		// Start the browser on the context without a deadline (it lives as
		// long as that context), then bound the test.
		err := chromedp.Do(c)
		if err == nil {
			t.Cleanup(func() { cancelCtx(); cancelAlloc() })
			ctx = c
			break
		}
		cancelCtx()
		cancelAlloc()
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("chromium did not start (attempt %d, trying again): %v", attempt, err)
		time.Sleep(time.Duration(attempt) * time.Second)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return ctx
}

// ScreenshotDir is where browser tests save screenshots: $CAIRN_SCREENSHOTS
// (kept), else a temporary folder.
func ScreenshotDir(t *testing.T) string {
	if dir := os.Getenv("CAIRN_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}
