package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserIssue logs in with headless Chromium, issues a badge through
// the form and lands on its credential page, on a desktop and on a phone;
// it saves screenshots of the pages on the way (CAIRN_SCREENSHOTS=DIR
// keeps them).
func TestBrowserIssue(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, Options{})
	mux = e.mux
	revoked := e.award(t, "ada@example.org")
	if _, err := e.svc.SetState(context.Background(), e.org.ID, revoked.ID, cairn.StateRevoked, "Issued to the wrong person"); err != nil {
		t.Fatal(err)
	}
	e.award(t, "charles.babbage@example.org")

	dir := testenv.ScreenshotDir(t)
	actx := testenv.Browser(t, 120*time.Second)

	for _, dev := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		t.Run(dev.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx) // a new tab; the desktop run logs out at its end
			defer cancel()
			if err := chromedp.Do(ctx); err != nil {
				t.Fatal(err)
			}
			ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := func(name string) {
				t.Helper()
				b := run(t, ctx, chromedp.FullScreenshot(100))
				file := filepath.Join(dir, "admin-"+name+"-"+dev.name+".png")
				if err := os.WriteFile(file, b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", file)
				if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
					t.Errorf("the %s page is wider than the screen", name)
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(dev.width, dev.height, chromedp.EmulateScale(1),
					func(p *emulation.SetDeviceMetricsOverrideParams, s *emulation.SetTouchEmulationEnabledParams) {
						p.Mobile = dev.mobile
						s.Enabled = dev.mobile
					}),
				chromedp.Navigate(srv.URL+"/admin/awards/new"), // sent to log in first
				chromedp.WaitVisible(chromedp.CSS("#email")),
			); err != nil {
				t.Fatal(err)
			}
			// A wrong password first.
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#email"), ownerEmail),
				chromedp.SendKeys(chromedp.CSS("#password"), "wrong password"),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#login-error")),
			); err != nil {
				t.Fatal(err)
			}
			shot("login-failed")
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#password"), password),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#award-form")),
			); err != nil {
				t.Fatal(err)
			}
			// Submit with a bad email: the error shows next to the field.
			if err := chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#achievement"), e.ach.ID),
				chromedp.SendKeys(chromedp.CSS("#recipient"), "grace.hopper.example.org"),
				chromedp.SendKeys(chromedp.CSS("#name"), "Grace Hopper"),
				chromedp.Click(chromedp.CSS("input[name=showName]")),
				chromedp.SendKeys(chromedp.CSS("#narrative"), "Wrote the first compiler."),
				chromedp.SendKeys(chromedp.CSS("#evidence"), "https://example.org/work/1"),
				chromedp.Click(chromedp.CSS("#award-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("p.field-error")),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Text(chromedp.CSS("p.field-error"))); !strings.Contains(got, "is not an email address") {
				t.Errorf("field error %q", got)
			}
			if got := run(t, ctx, chromedp.Value(chromedp.CSS("#name"))); got != "Grace Hopper" {
				t.Errorf("the name is not kept: %q", got)
			}
			shot("issue-error")
			if err := chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#recipient"), "grace.hopper@example.org"),
				chromedp.Click(chromedp.CSS("#award-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#checks")),
			); err != nil {
				t.Fatal(err)
			}
			loc := run(t, ctx, chromedp.Location())
			if !strings.HasPrefix(loc, srv.URL+"/credentials/") {
				t.Errorf("after issuing: at %s, want the credential page", loc)
			}
			if text := run(t, ctx, chromedp.Text(chromedp.CSS("body"))); !strings.Contains(text, "Grace Hopper") || !strings.Contains(text, "Data Analysis Foundations") {
				t.Errorf("the credential page does not show the award:\n%s", text)
			}
			shot("credential")

			for _, p := range []struct{ name, path, wait string }{
				{"dashboard", "/admin", "#recent"},
				{"awards", "/admin/awards", "#awards"},
				{"award", "/admin/awards/" + strings.TrimPrefix(loc, srv.URL+"/credentials/"), "#state-form"},
				{"revoked", "/admin/awards/" + revoked.ID, "#details"},
				{"achievement", "/admin/achievements/" + e.ach.ID, "#achievement-form"},
				{"api-keys", "/admin/api-keys", "#key-form"},
			} {
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				if p.name == "dashboard" {
					n := run(t, ctx, chromedp.Evaluate[float64](`Array.from(document.querySelectorAll("img.thumb")).filter(i => i.naturalWidth > 0).length`))
					if n != 1 {
						t.Errorf("%v achievement thumbnails loaded, want 1", n)
					}
					if text := run(t, ctx, chromedp.Text(chromedp.CSS("#recent"))); !strings.Contains(text, "Grace Hopper") || !strings.Contains(text, "Revoked") {
						t.Errorf("recent awards:\n%s", text)
					}
				}
				shot(p.name)
			}
			// Log out: the admin is closed again.
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("header form[action$='/logout'] button")),
				chromedp.WaitVisible(chromedp.CSS("#email")),
				chromedp.Navigate(srv.URL+"/admin"),
				chromedp.WaitVisible(chromedp.CSS("#email")),
			); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: e.org.ID, Recipient: "grace.hopper@example.org"}); n != 2 {
		t.Errorf("%d awards to Grace Hopper, want 2 (one per device)", n)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
