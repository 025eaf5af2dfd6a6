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

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/web"
)

// TestBrowserEndorse: an owner follows the "Endorse it" link of another
// organization's public achievement page to the Endorse form, filled in
// with the achievement (a missing comment first), signs
// the endorsement, finds it under Given; the endorsed achievement's public
// page lists it, and its Verify button verifies it. Screenshots of each
// step (CAIRN_SCREENSHOTS=DIR keeps them).
func TestBrowserEndorse(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, Options{})
	// The verifier page resolves this server's DIDs, as the app wires it.
	m := http.NewServeMux()
	e.h.Register(m)
	(&web.Handler{Verifier: verify.New(e.svc.Fetcher(nil))}).Register(m)
	web.NewPublic(e.svc, web.PublicOptions{Verifier: verify.New(e.svc.Fetcher(nil))}).Register(m)
	mux = m

	ctx := context.Background()
	guild := &cairn.Organization{Slug: "guild", Name: "The Guild"}
	if err := e.db.CreateOrganization(ctx, guild); err != nil {
		t.Fatal(err)
	}
	gi, err := e.svc.CreateIssuer(ctx, guild.ID, issuing.IssuerInput{Name: "The Surveyors' Guild"})
	if err != nil {
		t.Fatal(err)
	}
	ga, err := e.svc.CreateAchievement(ctx, guild.ID, issuing.AchievementInput{IssuerID: gi.ID, Name: "Field Surveying",
		Description: "Surveys land to the guild's standard.", CriteriaNarrative: "Pass the field test."})
	if err != nil {
		t.Fatal(err)
	}
	achURL := e.svc.AchievementURL(ga.ID)

	dir := testenv.ScreenshotDir(t)
	bctx := testenv.Browser(t, 90*time.Second)
	shot := func(name string) {
		t.Helper()
		b := run(t, bctx, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, "endorse-"+name+".png")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
		if run(t, bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
			t.Errorf("the %s page is wider than the screen", name)
		}
	}
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(srv.URL+"/admin/endorsements"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), ownerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#endorse-form")),
		// The achievement's public page links to the form, filled in.
		chromedp.Navigate(achURL),
		chromedp.WaitVisible(chromedp.CSS("#endorse-it a")),
		chromedp.Click(chromedp.CSS("#endorse-it a")),
		chromedp.WaitVisible(chromedp.CSS("#endorse-form")),
	); err != nil {
		t.Fatal(err)
	}
	if got := run(t, bctx, chromedp.Value(chromedp.CSS("#target"))); got != achURL {
		t.Errorf("the form's target is %q, want %q", got, achURL)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("#endorse")),
		chromedp.WaitVisible(chromedp.CSS("#comment.invalid")),
	); err != nil {
		t.Fatal(err)
	}
	shot("missing-comment")
	if errText := run(t, bctx, chromedp.Text(chromedp.CSS("#endorse-form"))); !strings.Contains(errText, "required") {
		t.Errorf("the form does not say the comment is required:\n%s", errText)
	}
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS("#comment"), "Their surveyors meet our standard."),
		chromedp.Click(chromedp.CSS("#endorse")),
		chromedp.WaitVisible(chromedp.CSS("#given table")),
	); err != nil {
		t.Fatal(err)
	}
	shot("given")
	if given := run(t, bctx, chromedp.Text(chromedp.CSS("#given"))); !strings.Contains(given, "Field Surveying") || !strings.Contains(given, "Their surveyors meet our standard.") {
		t.Errorf("Given does not list the endorsement:\n%s", given)
	}

	// (Another URL of the page: the browser keeps the one it saw for a
	// minute, as pages are cached.)
	if err := chromedp.Do(bctx,
		chromedp.Navigate(achURL+"?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#endorsed-by")),
	); err != nil {
		t.Fatal(err)
	}
	shot("public-page")
	if card := run(t, bctx, chromedp.Text(chromedp.CSS("#endorsed-by"))); !strings.Contains(card, "Endorsed by Example University: Their surveyors meet our standard.") {
		t.Errorf("the public page does not show the endorsement:\n%s", card)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("#endorsed-by button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	); err != nil {
		t.Fatal(err)
	}
	shot("verified")
	if banner := run(t, bctx, chromedp.Text(chromedp.CSS("#result"))); !strings.Contains(banner, "Verified") {
		t.Errorf("the endorsement does not verify: %q", banner)
	}

	// The console page on a phone.
	if err := chromedp.Do(bctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)),
		chromedp.Navigate(srv.URL+"/admin/endorsements"),
		chromedp.WaitVisible(chromedp.CSS("#given table")),
	); err != nil {
		t.Fatal(err)
	}
	shot("given-phone")
}
