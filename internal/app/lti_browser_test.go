package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserLTI drives the LTI 1.3 path in a browser: the owner registers
// the learning platform on the console's Learning platforms page; an
// instructor opens Cairn from the course (the platform's login and
// auto-posting form), connects it and has the gradebook read; a learner
// opens Cairn from the course on a phone and sees the badge; the console
// lists the course with its last read. Screenshots lti-*.png.
func TestBrowserLTI(t *testing.T) {
	f := newLTIFixtureUnregistered(t)
	ctx := testenv.Browser(t, 120*time.Second)
	shot := func(ctx context.Context, name string) { t.Helper(); screenshot(t, ctx, name) }
	must := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	fr := f.a.FirstRun
	must(ctx, "login",
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(f.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
		chromedp.Click(chromedp.CSS(`nav a[href$="/admin/lti"]`)),
		chromedp.WaitVisible(chromedp.CSS("#lti-form")),
		chromedp.SendKeys(chromedp.CSS("#lti-name"), "Moodle"),
		chromedp.SendKeys(chromedp.CSS("#lti-issuer"), f.reg.Issuer),
		chromedp.SendKeys(chromedp.CSS("#lti-client"), f.reg.ClientID),
		chromedp.SendKeys(chromedp.CSS("#lti-deployments"), f.reg.DeploymentIDs[0]),
		chromedp.SendKeys(chromedp.CSS("#lti-auth"), f.reg.AuthLoginURL),
		chromedp.SendKeys(chromedp.CSS("#lti-token"), f.reg.AuthTokenURL),
		chromedp.SendKeys(chromedp.CSS("#lti-jwks"), f.reg.JWKSURL),
		chromedp.Click(chromedp.CSS("#lti-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	)
	if got := pageText(t, ctx, "#platforms"); !strings.Contains(got, "Moodle") || !strings.Contains(got, f.reg.ClientID) {
		t.Fatalf("registered platforms: %q", got)
	}
	shot(ctx, "lti-console-registered.png")
	status, body := f.api(t, "POST", "/api/v1/rules", map[string]any{"name": "DS101 passed", "eventType": "lti.score", "courseId": "ds101",
		"minScore": 80, "achievementId": fr.AchievementID})
	if status != 201 {
		t.Fatalf("rule: %d %s", status, body)
	}

	// The instructor, in a browser of their own.
	tctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	q := f.platform.LoginParams(f.reg, "teacher-1", "ds101", f.base+"/lti/launch")
	must(tctx, "instructor's launch",
		chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(f.base+"/lti/login?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS("#connect-form")),
	)
	shot(tctx, "lti-instructor-connect.png")
	f.platform.SetResult("ds101", "final", "learner-1", 45, 50)
	f.platform.SetResult("ds101", "final", "learner-2", 20, 50)
	must(tctx, "connect and read",
		chromedp.Click(chromedp.CSS("#connect-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#course")),
		chromedp.Click(chromedp.CSS(`#course form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice[data-kind="polled"]`)),
	)
	if got := pageText(t, tctx, "#last-poll"); !strings.Contains(got, "2 scored results") || !strings.Contains(got, "1 badges awarded") {
		t.Errorf("last read: %q", got)
	}
	must(tctx, "Thai", chromedp.Click(chromedp.CSS(`nav.langs a[lang="th"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="th"] #course`)))
	shot(tctx, "lti-instructor-connected-th.png")

	// The learner, on a phone.
	lctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	q = f.platform.LoginParams(f.reg, "learner-1", "ds101", f.base+"/lti/launch")
	must(lctx, "learner's launch",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
		chromedp.Navigate(f.base+"/lti/login?"+q.Encode()),
		chromedp.WaitVisible(chromedp.CSS("#badges a")),
	)
	if got := pageText(t, lctx, "#badges"); !strings.Contains(got, "Northbridge") && !strings.Contains(got, "Badge") && len(got) < 20 {
		t.Errorf("learner's badges: %q", got)
	}
	shot(lctx, "lti-learner-phone.png")

	must(ctx, "console's courses", chromedp.Navigate(f.base+"/admin/lti"), chromedp.WaitVisible(chromedp.CSS("#courses table")))
	if got := pageText(t, ctx, "#courses"); !strings.Contains(got, "Data Science 101") || !strings.Contains(got, "1 badges awarded") {
		t.Errorf("connected courses: %q", got)
	}
	shot(ctx, "lti-console-courses.png")
}
