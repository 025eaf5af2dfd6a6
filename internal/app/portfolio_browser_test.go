package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserPortfolio: Ada signs in to her wallet, opens a badge's share
// page (LinkedIn, embed snippet, link, QR code, copy buttons), her
// portfolio settings (Export everything downloads the ZIP), then her
// public portfolio on a desktop and on a phone, as an employer would
// (CAIRN_SCREENSHOTS=DIR keeps the screenshots).
func TestBrowserPortfolio(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	w := newPortfolioWorld(t)
	// Two credentials from another platform: one to Ada, one to someone else.
	var mine, other struct{ ID string }
	for _, f := range []struct {
		file string
		v    any
	}{{"foreign-ob3-didkey-ada.json", &mine}, {"foreign-ob3-didkey.json", &other}} {
		b, err := os.ReadFile(filepath.Join("..", "..", "api", "testdata", "wallet", f.file))
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(w.must(t, 201, "POST", "/api/v1/learner/credentials", w.token, string(b)), f.v)
	}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(testenv.ScreenshotDir(t), name)
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil {
			t.Fatal(err)
		}
		return v.Value
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(w.base+"/wallet/signin"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), w.password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#walletnav")),
	); err != nil {
		t.Fatal(err)
	}
	if got := attr("#export-everything", "href"); got != "/wallet/export" {
		t.Errorf("Export everything links %q", got)
	}
	shot("portfolio-wallet-home.png")

	// The share page of the first badge.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("article[data-award='"+w.awards[1]+"'] a.share")),
		chromedp.WaitVisible(chromedp.CSS("#share")),
	); err != nil {
		t.Fatal(err)
	}
	add := attr("#linkedin-add", "href")
	if !strings.HasPrefix(add, "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Classroom%20Practice") ||
		!strings.Contains(add, "certId="+w.awards[1]) || !strings.Contains(add, "issueYear=") {
		t.Errorf("LinkedIn add-to-profile: %s", add)
	}
	if got := attr("#linkedin-share", "href"); !strings.HasPrefix(got, "https://www.linkedin.com/sharing/share-offsite/?url=") {
		t.Errorf("LinkedIn share: %s", got)
	}
	embed, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#embed")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(embed, `<img src="`+w.base+`/credentials/`+w.awards[1]+`.png"`) || strings.Contains(embed, "<script") {
		t.Errorf("embed snippet: %s", embed)
	}
	if attr("#qr", "src") == "" || !strings.HasPrefix(attr("#qr", "src"), "data:image/svg+xml;base64,") {
		t.Error("no QR code")
	}
	// The copy buttons are shown (the script ran under the page's CSP) and copy.
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#copy-link")),
		chromedp.Click(chromedp.CSS("#copy-link")),
		chromedp.Poll[chromedp.Void](`document.querySelector('#copy-link').textContent === 'Copied'`, chromedp.WithPollingTimeout(5*time.Second)),
	); err != nil {
		t.Fatalf("copy link: %v", err)
	}
	shot("portfolio-share.png")

	// The portfolio settings; the export downloads (as the browser fetches it).
	if err := chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/wallet/portfolio"),
		chromedp.WaitVisible(chromedp.CSS("#export-all")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#portfolio-link"); !strings.Contains(got, "/learners/ada-lovelace") {
		t.Errorf("portfolio link: %q", got)
	}
	if got := text(`#choices li[data-credential="` + other.ID + `"]`); !strings.Contains(got, "never shown: it is addressed to someone else") {
		t.Errorf("the import addressed to someone else, in the settings: %q", got)
	}
	shot("portfolio-settings.png")
	// The wallet's pages allow no fetch (CSP); a plain page of the same
	// origin does, with the session cookie, as a click on the link would.
	if err := chromedp.Do(ctx, chromedp.Navigate(w.base+"/healthz")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch('/wallet/export').then(r => r.arrayBuffer().then(b => r.status + ' ' + r.headers.get('content-type') + ' ' + r.headers.get('content-disposition') + ' ' + new Uint8Array(b).slice(0, 2).join(',')))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "200 application/zip attachment; filename=\"cairn-wallet-") || !strings.HasSuffix(got, " 80,75") {
		t.Errorf("export from the wallet: %q", got)
	}
	// A handle error is shown on its field.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/wallet/portfolio"),
		chromedp.WaitVisible(chromedp.CSS("#handle")),
		chromedp.SetValue(chromedp.CSS("#handle"), "Admin"),
		chromedp.Click(chromedp.CSS("#save-profile")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(".field-error"); !strings.Contains(got, "reserved") {
		t.Errorf("reserved handle: %q", got)
	}

	// The public portfolio, as an employer opens it: desktop, then phone.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/learners/ada-lovelace"),
		chromedp.WaitVisible(chromedp.CSS("#skills")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#learner-name"); got != "Ada Lovelace" {
		t.Errorf("name %q", got)
	}
	if got := text("#pathways"); !strings.Contains(got, "Practicum pathway") || !strings.Contains(got, "2 of 3 requirements") {
		t.Errorf("pathways: %q", got)
	}
	shot("portfolio-public-desktop.png")
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(w.base+"/learners/ada-lovelace"),
		chromedp.WaitVisible(chromedp.CSS("#skills")),
	); err != nil {
		t.Fatal(err)
	}
	if overflow, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); overflow {
		t.Error("the portfolio scrolls sideways on a phone")
	}
	shot("portfolio-public-phone.png")
	// A verification link opens the credential page.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#skills a.verify")),
		chromedp.WaitVisible(chromedp.CSS("#verification")),
	); err != nil {
		t.Fatal(err)
	}
	shot("portfolio-credential-phone.png")
	// The imported credential's public page, and this server's verifier.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/learners/ada-lovelace/credentials/"+mine.ID),
		chromedp.WaitVisible(chromedp.CSS("#verify-now")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#verification"); !strings.Contains(got, "verified by this server") {
		t.Errorf("the imported credential's verification: %q", got)
	}
	if overflow, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); overflow {
		t.Error("the imported credential's page scrolls sideways on a phone")
	}
	shot("portfolio-imported-phone.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#verify-now")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#result"); !strings.Contains(strings.ToLower(got), "verified") {
		t.Errorf("verify it now: %q", got)
	}
	shot("portfolio-imported-verified-phone.png")
	// The privacy page, from the wallet's footer.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(w.base+"/wallet/portfolio"),
		chromedp.WaitVisible(chromedp.CSS("#privacy-link")),
		chromedp.Click(chromedp.CSS("#privacy-link")),
		chromedp.WaitVisible(chromedp.CSS("#privacy")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#privacy"); !strings.Contains(got, "Export everything") {
		t.Errorf("the privacy page, signed in, offers no export: %q", got)
	}
	shot("privacy-phone.png")
}
