package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserSSO: a colleague clicks "Sign in with My Organization" on the
// login page, approves at the provider's page and lands on the dashboard
// with the role the groups give; the owner, signed in the same way, opens
// the single sign-on page and turns password login off; a colleague with
// an unverified address sees why they are refused.
func TestBrowserSSO(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, idp, stop := ssoSetup(t)
	defer stop()
	base := a.BaseURL()
	idp.SetForm(true)
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }

	idp.SetUser(map[string]any{"email": "grace@example.org", "email_verified": true, "name": "Grace Hopper", "groups": []string{"cairn-issuers"}})
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#sso")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#sso"); !strings.Contains(got, "Sign in with My Organization") {
		t.Fatalf("login page single sign-on section: %q", got)
	}
	shot("sso-login.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#sso a.button`)),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#who"); got != "grace@example.org" {
		t.Fatalf("provider page shows %q", got)
	}
	shot("sso-provider.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
	); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != base+"/admin" {
		t.Fatalf("after sign-in the browser is at %s", loc)
	}
	if got := text("header .who"); !strings.Contains(got, "My Organization") || !strings.Contains(got, "issuer") {
		t.Fatalf("header after sign-in: %q", got)
	}
	shot("sso-dashboard.png")

	// The owner signs in by single sign-on too, and turns passwords off.
	idp.SetUser(map[string]any{"email": a.FirstRun.OwnerEmail, "email_verified": true, "name": "Owner", "groups": []string{"cairn-owners"}})
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#sso")),
		chromedp.Click(chromedp.CSS(`#sso a.button`)),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
		chromedp.Click(chromedp.CSS(`nav a[href$="/admin/sso"]`)),
		chromedp.WaitVisible(chromedp.CSS("#sso-form")),
	); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#redirect-uri"))); got != base+"/login/oidc/callback" {
		t.Errorf("redirect URI not shown: %q", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#email_domains"))); v != "cairn.localhost, example.org" {
		t.Errorf("domains field: %q", v)
	}
	shot("sso-settings.png")
	// A bad domain is named next to its field; then a good save.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#email_domains"), "example.org, *.bad"),
		chromedp.Click(chromedp.CSS("#sso-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(".field-error"); !strings.Contains(got, "*.bad") {
		t.Errorf("domain error: %q", got)
	}
	shot("sso-settings-error.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#email_domains"), "cairn.localhost, example.org"),
		chromedp.SetValue(chromedp.CSS(`input[name="map_value_2"]`), "cairn-viewers"),
		chromedp.SetValue(chromedp.CSS(`select[name="map_role_2"]`), "viewer"),
		chromedp.Click(chromedp.CSS("#password_login")),
		chromedp.Click(chromedp.CSS("#sso-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "saved") {
		t.Errorf("notice: %q", got)
	}
	if on, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#password_login").checked`)); on {
		t.Errorf("password login still on after saving it off")
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="map_value_2"]`))); v != "cairn-viewers" {
		t.Errorf("third mapping: %q", v)
	}

	// An unverified address is refused, and the page says why.
	idp.SetUser(map[string]any{"email": "newbie@example.org", "email_verified": false, "groups": []string{"cairn-owners"}})
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#sso")),
		chromedp.SendKeys(chromedp.CSS("#sso-email"), "newbie@example.org"),
		chromedp.Click(chromedp.CSS("#sso button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#sso-my-organization")),
		chromedp.Click(chromedp.CSS("#sso-my-organization")),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#sso-refused")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#sso-refused"); !strings.Contains(got, "not verified") || !strings.Contains(got, "newbie@example.org") {
		t.Errorf("refusal page: %q", got)
	}
	shot("sso-refused.png")
}
