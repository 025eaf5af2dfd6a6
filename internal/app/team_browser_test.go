package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserTeam: the owner invites a colleague as issuer (mail is off,
// so the page shows the link), the colleague opens it, creates an account
// and lands in the organization; the owner makes them owner too, cannot
// remove the other owner twice over, and the colleague, having forgotten
// the password, sets a new one through a reset link.
func TestBrowserTeam(t *testing.T) {
	ctx := testenv.Browser(t, 150*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin/team"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#invite-form")),
		chromedp.SetValue(chromedp.CSS("#invite-email"), "not-an-email"),
		chromedp.Click(chromedp.CSS("#invite-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#invite-form .field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#invite-form .field-error"); !strings.Contains(got, "not an email address") {
		t.Errorf("bad email: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#invite-email"), "nok.s@example.org"),
		chromedp.SetValue(chromedp.CSS("#invite-role"), "issuer"),
		chromedp.Click(chromedp.CSS("#invite-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#invite-link")),
	); err != nil {
		t.Fatal(err)
	}
	link := value("#invite-link input")
	if !strings.HasPrefix(link, base+"/invite/") {
		t.Fatalf("invitation link %q", link)
	}
	if got := text("#pending"); !strings.Contains(got, "nok.s@example.org") || !strings.Contains(got, "issuer") {
		t.Errorf("pending: %q", got)
	}
	shot("team-invited.png")

	// The colleague, in the same browser once the owner logged out.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("header form[action$='/logout'] button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#accept-form")),
		chromedp.SetValue(chromedp.CSS("#name"), "Nok Srisuk"),
		chromedp.SetValue(chromedp.CSS("#password"), "short"),
		chromedp.Click(chromedp.CSS("#accept-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#accept-form .field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#accept-form .field-error"); !strings.Contains(got, "10") {
		t.Errorf("short password: %q", got)
	}
	shot("team-accept-error.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#password"), "a sturdy passphrase"),
		chromedp.Click(chromedp.CSS("#accept-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "Welcome") || !strings.Contains(got, "issuer") {
		t.Errorf("welcome: %q", got)
	}
	if got := text("header .who"); !strings.Contains(got, "issuer") {
		t.Errorf("header: %q", got)
	}
	shot("team-welcome.png")
	// The link is spent.
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	if got := text("main"); !strings.Contains(got, "accepted already") {
		t.Errorf("a used invitation: %q", got)
	}

	// Forgotten password: the login page's link, then the reset link (mail
	// is off: the operator's command makes one, as it would be mailed).
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin"),
		chromedp.Click(chromedp.CSS("header form[action$='/logout'] button")),
		chromedp.WaitVisible(chromedp.CSS("#forgot")),
		chromedp.Click(chromedp.CSS("#forgot")),
		chromedp.WaitVisible(chromedp.CSS("#reset-form")),
		chromedp.SetValue(chromedp.CSS("#email"), "nok.s@example.org"),
		chromedp.Click(chromedp.CSS("#reset-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#reset-sent")),
	); err != nil {
		t.Fatal(err)
	}
	shot("team-reset-sent.png")
	resetLink, err := a.team.ResetLink(context.Background(), "nok.s@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(resetLink),
		chromedp.WaitVisible(chromedp.CSS("#new-password-form")),
		chromedp.SetValue(chromedp.CSS("#password"), "another sturdy passphrase"),
		chromedp.SetValue(chromedp.CSS("#confirm"), "another sturdy passphrase"),
		chromedp.Click(chromedp.CSS("#new-password-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "new password is set") {
		t.Errorf("after the reset: %q", got)
	}

	// The owner again: the team page shows the colleague, seen just now.
	// The owner, still the only owner, cannot step down to viewer.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("header form[action$='/logout'] button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("header .who")),
		chromedp.Navigate(base+"/admin/team"),
		chromedp.WaitVisible(chromedp.CSS("#members")),
	); err != nil {
		t.Fatal(err)
	}
	members := text("#members")
	if !strings.Contains(members, "Nok Srisuk") || !strings.Contains(members, "UTC") {
		t.Errorf("members: %q", members)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { for (const tr of document.querySelectorAll("#members tbody tr")) { if (tr.textContent.includes("(you)")) { tr.querySelector("select").value = "viewer"; tr.querySelector("form button").click(); return true } } return false })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#form-error"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#form-error"); !strings.Contains(got, "only owner") {
		t.Errorf("stepping down as the only owner: %q", got)
	}
	shot("team-last-owner.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/team"), chromedp.WaitVisible(chromedp.CSS("#members"))); err != nil {
		t.Fatal(err)
	}
	shot("team-members.png")
}
