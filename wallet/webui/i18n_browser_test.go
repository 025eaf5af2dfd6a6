package webui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/testenv"
)

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowserWalletThai: on a phone, a learner picks Thai (then, in a
// second browser, Vietnamese) with the switcher on the sign-in page,
// signs in, and goes through the wallet in that language: the wallet page (a claimed badge and an imported one), the
// imported badge's checks, sharing, the portfolio settings, connected
// applications, the consent page and the public portfolio; no page is wider than the
// screen. CAIRN_SCREENSHOTS=DIR keeps the screenshots.
func TestBrowserWalletThai(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL)
	mux = e.mux
	dir := testenv.ScreenshotDir(t)
	actx := testenv.Browser(t, 120*time.Second)
	for _, l := range []i18n.Lang{i18n.Thai, i18n.Vietnamese} {
		t.Run(string(l), func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			// The tabs share cookies: start signed out, in no language.
			if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			walletIn(t, ctx, srv.URL, e, dir, l)
		})
	}
}

func walletIn(t *testing.T, ctx context.Context, base string, e *env, dir string, l i18n.Lang) {
	th := i18n.For(l)

	shot := func(name string) {
		t.Helper()
		b := run(t, ctx, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, "wallet-"+string(l)+"-"+name+"-phone.png")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
		if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
			t.Errorf("the %s page is wider than the screen", name)
		}
		if lang := run(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != string(l) {
			t.Errorf("the %s page is in %q, want %s", name, lang, l)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1),
			func(p *emulation.SetDeviceMetricsOverrideParams, s *emulation.SetTouchEmulationEnabledParams) {
				p.Mobile = true
				s.Enabled = true
			}),
		chromedp.Navigate(base+"/wallet/signin?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#languages")),
		chromedp.Click(chromedp.CSS(`#languages a[lang="`+string(l)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+string(l)+`"] #email`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS("h1"))); got != th.T("Sign in to your wallet") {
		t.Errorf("sign-in heading %q", got)
	}
	shot("signin")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), learnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#cards")),
	); err != nil {
		t.Fatal(err)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS("#emails h2"))); got != th.T("Email addresses") {
		t.Errorf("emails heading %q", got)
	}
	shot("home")
	for _, pg := range []struct{ name, path, sel string }{
		{"imported", "/wallet/credentials/" + e.imported.ID, "#checks"},
		{"share", "/wallet/credentials/" + e.claimed.ID + "/share", "#share"},
		{"portfolio", "/wallet/portfolio", "#choices"},
		{"apps", "/wallet/apps", "#apps"},
		{"consent", AuthorizePath + "?" + e.consent.Encode(), "#consent"},
		{"claim", "/claim/" + e.claim, "#claim"},
		{"apply", "/achievements/" + e.ach.ID + "/apply", "#apply-form"},
		{"public", "/learners/ada-lovelace", "#verify-all"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.sel))); err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		shot(pg.name)
	}
}
