package web

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

// TestBrowserCredentialPage opens a credential page in headless Chromium,
// as a person would, on a desktop and on a phone: it reads what is shown,
// and saves screenshots (CAIRN_SCREENSHOTS=DIR keeps them).
func TestBrowserCredentialPage(t *testing.T) {

	// The service's base URL is the test server's, so every link on the
	// page works in the browser.
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, PublicOptions{})
	mux = e.mux
	active := e.award(t, e.ach, true, cairn.FormatDataIntegrity, cairn.FormatJWT)
	revoked := e.award(t, e.ach, false)
	if _, err := e.svc.SetState(context.Background(), e.org.ID, revoked.ID, cairn.StateRevoked, "Issued to the wrong person"); err != nil {
		t.Fatal(err)
	}

	dir := testenv.ScreenshotDir(t)
	ctx := testenv.Browser(t, 60*time.Second)

	for _, tc := range []struct {
		name          string
		award         *cairn.Award
		width, height int64
		mobile        bool
		banner        string // selector of the banner at the top
		wants         []string
	}{
		{"desktop", active, 1280, 900, false, "#result",
			[]string{"Verified: every check passed", "Data Analysis Foundations", "Ada Lovelace", "Example University", "Active", "Add to LinkedIn profile"}},
		{"phone", active, 390, 844, true, "#result",
			[]string{"Verified: every check passed", "Data Analysis Foundations", "Active"}},
		{"revoked-phone", revoked, 390, 844, true, "#state",
			[]string{"This credential has been revoked by its issuer.", "Reason: Issued to the wrong person", "Revoked"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(tc.width, tc.height, chromedp.EmulateScale(1),
					func(p *emulation.SetDeviceMetricsOverrideParams, s *emulation.SetTouchEmulationEnabledParams) {
						p.Mobile = tc.mobile
						s.Enabled = tc.mobile
					}),
				chromedp.Navigate(srv.URL+"/credentials/"+tc.award.ID),
				chromedp.WaitVisible(chromedp.CSS("#checks")),
			); err != nil {
				t.Fatal(err)
			}
			text := run(t, ctx, chromedp.Text(chromedp.CSS("body")))
			banner := run(t, ctx, chromedp.Text(chromedp.CSS(tc.banner)))
			checks := run(t, ctx, chromedp.Text(chromedp.CSS("#checks")))
			badgeWidth := run(t, ctx, chromedp.Evaluate[float64](`document.querySelector("img.badge").naturalWidth`))
			qrWidth := run(t, ctx, chromedp.Evaluate[float64](`document.querySelector("img.qr").naturalWidth`))
			overflow := run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			shot := run(t, ctx, chromedp.FullScreenshot(100))
			file := filepath.Join(dir, "credential-"+tc.name+".png")
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", file)
			for _, want := range tc.wants {
				if !strings.Contains(banner+"\n"+text, want) {
					t.Errorf("the page does not show %q", want)
				}
			}
			for _, check := range []string{"proof", "issuer-key", "status", "validity-dates"} {
				if !strings.Contains(checks, check) {
					t.Errorf("the checks table does not show %q:\n%s", check, checks)
				}
			}
			if badgeWidth == 0 || qrWidth == 0 {
				t.Errorf("an image did not load: badge %v, QR code %v px wide", badgeWidth, qrWidth)
			}
			if first := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("main").firstElementChild.id`)); "#"+first != tc.banner {
				t.Errorf("the page starts with #%s, want the banner %s", first, tc.banner)
			}
			if overflow {
				t.Error("the page is wider than the screen")
			}
		})
	}

	// The achievement and issuer pages, on a phone.
	for name, path := range map[string]string{"achievement": "/achievements/" + e.ach.ID, "issuer": "/issuers/" + e.issuer.ID} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Fatal(err)
		}
		h1 := run(t, ctx, chromedp.Text(chromedp.CSS("h1")))
		want := map[string]string{"achievement": "Data Analysis Foundations", "issuer": "Example University"}[name]
		if strings.TrimSpace(h1) != want {
			t.Errorf("%s page heading %q, want %q", name, h1, want)
		}
		if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
			t.Errorf("the %s page is wider than the screen", name)
		}
		shot := run(t, ctx, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, name+"-phone.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The copy button appears (its script runs under the CSP).
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/credentials/"+active.ID), chromedp.WaitVisible(chromedp.CSS("#checks"))); err != nil {
		t.Fatal(err)
	}
	if run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("button[data-copy]").hidden`)) {
		t.Error("the copy button stays hidden: its script did not run (CSP hash?)")
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
