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

// TestBrowserConsoleThai switches the console to Thai with the switcher
// on the login page, logs in, issues a badge through the form and
// suspends it, on a desktop and on a phone, every page in Thai; it saves
// screenshots of the pages on the way (CAIRN_SCREENSHOTS=DIR keeps them).
func TestBrowserConsoleThai(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, Options{})
	e.withEveryPage(t)
	mux = e.mux
	e.award(t, "ada@example.org")

	dir := testenv.ScreenshotDir(t)
	actx := testenv.Browser(t, 120*time.Second)

	for _, dev := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		t.Run(dev.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			if err := chromedp.Do(ctx); err != nil {
				t.Fatal(err)
			}
			ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := func(name string) {
				t.Helper()
				b := run(t, ctx, chromedp.FullScreenshot(100))
				file := filepath.Join(dir, "admin-th-"+name+"-"+dev.name+".png")
				if err := os.WriteFile(file, b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", file)
				if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
					t.Errorf("the %s page is wider than the screen", name)
				}
				// The credential page is a public page (package web), not the console.
				if lang := run(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "th" && name != "credential" {
					t.Errorf("the %s page is in %q, want th", name, lang)
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(dev.width, dev.height, chromedp.EmulateScale(1),
					func(p *emulation.SetDeviceMetricsOverrideParams, s *emulation.SetTouchEmulationEnabledParams) {
						p.Mobile = dev.mobile
						s.Enabled = dev.mobile
					}),
				chromedp.Navigate(srv.URL+"/login?lang=en"), // the phone's tab shares the desktop's cookie
				chromedp.WaitVisible(chromedp.CSS("#languages")),
				chromedp.Click(chromedp.CSS(`#languages a[lang="th"]`)),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="th"] #email`)),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Text(chromedp.CSS("h1"))); got != "เข้าสู่ระบบ" {
				t.Errorf("login heading %q", got)
			}
			shot("login")
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#email"), ownerEmail),
				chromedp.SendKeys(chromedp.CSS("#password"), password),
				chromedp.Click(chromedp.CSS("form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#recent")),
			); err != nil {
				t.Fatal(err)
			}
			shot("dashboard")
			// The institution's profile, edited in Thai.
			desc := "มหาวิทยาลัยเทคโนโลยีนอร์ทบริดจ์ ออกเหรียญตราดิจิทัลให้ผู้เรียน (" + dev.name + ")"
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/admin/issuers/"+e.issuer.ID),
				chromedp.WaitVisible(chromedp.CSS("#issuer-form")),
			); err != nil {
				t.Fatal(err)
			}
			run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("#description").value = ""; document.querySelector("#url").value = ""; true`))
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#description"), desc),
				chromedp.SendKeys(chromedp.CSS("#url"), "https://northbridge.example.ac.th/"),
				chromedp.Click(chromedp.CSS("#issuer-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#notice")),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("#description").value`)); got != desc {
				t.Errorf("description after saving: %q", got)
			}
			shot("issuer-saved")
			// A colleague invited, in Thai.
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/admin/team"),
				chromedp.WaitVisible(chromedp.CSS("#invite-form")),
				chromedp.SendKeys(chromedp.CSS("#invite-email"), "napat-"+dev.name+"@example.ac.th"),
				chromedp.SetValue(chromedp.CSS("#invite-role"), "issuer"),
				chromedp.Click(chromedp.CSS("#invite-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#invite-link")),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); got != "th" {
				t.Errorf("team page after the invitation is in %q", got)
			}
			if got := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("#invite-link input") ? document.querySelector("#invite-link input").value : ""`)); !strings.Contains(got, "/invite/") {
				t.Errorf("invitation link %q", got)
			}
			shot("team-invited")
			// To the form by the nav link, in Thai.
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`header nav a[href$="/admin/awards/new"]`)),
				chromedp.WaitVisible(chromedp.CSS("#award-form")),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Text(chromedp.CSS("#award-form button[type=submit]"))); got != "ออกเหรียญตรา" {
				t.Errorf("submit button %q", got)
			}
			if err := chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#achievement"), e.ach.ID),
				chromedp.SendKeys(chromedp.CSS("#recipient"), "somchai@example.org"),
				chromedp.SendKeys(chromedp.CSS("#name"), "สมชาย ใจดี"),
				chromedp.Click(chromedp.CSS("input[name=showName]")),
				chromedp.SendKeys(chromedp.CSS("#narrative"), "ทำโครงงานวิเคราะห์ข้อมูลครบทั้งสี่โครงงาน"),
			); err != nil {
				t.Fatal(err)
			}
			shot("issue")
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("#award-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#checks")),
			); err != nil {
				t.Fatal(err)
			}
			loc := run(t, ctx, chromedp.Location())
			if !strings.HasPrefix(loc, srv.URL+"/credentials/") {
				t.Fatalf("after issuing: at %s, want the credential page", loc)
			}
			shot("credential")
			// Suspend it from its console page.
			id := strings.TrimPrefix(loc, srv.URL+"/credentials/")
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/admin/awards/"+id),
				chromedp.WaitVisible(chromedp.CSS("#state-form")),
				chromedp.Click(chromedp.CSS(`#state-form input[value="suspend"]`)),
				chromedp.SendKeys(chromedp.CSS("#reason"), "รอตรวจสอบหลักฐาน"),
				chromedp.Click(chromedp.CSS("#state-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#notice")),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Text(chromedp.CSS("#notice"))); !strings.Contains(got, "ระงับการมอบแล้ว") {
				t.Errorf("notice %q", got)
			}
			if got := run(t, ctx, chromedp.Text(chromedp.CSS(".pill"))); got != "ระงับแล้ว" {
				t.Errorf("state %q", got)
			}
			shot("award")
			for _, p := range []struct{ name, path, wait string }{
				{"awards", "/admin/awards", "#awards"},
				{"achievement", "/admin/achievements/" + e.ach.ID, "#achievement-form"},
				{"issuer", "/admin/issuers/" + e.issuer.ID, "#issuer-form"},
				{"settings", "/admin/settings", "#settings-form"},
				{"rules", "/admin/rules", "#rule-form"},
			} {
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
					t.Fatalf("%s: %v", p.name, err)
				}
				shot(p.name)
			}
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("header form[action$='/logout'] button")),
				chromedp.WaitVisible(chromedp.CSS("#email")),
			); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: e.org.ID, Recipient: "somchai@example.org"}); n != 2 {
		t.Errorf("%d awards to Somchai, want 2 (one per device)", n)
	}
}
