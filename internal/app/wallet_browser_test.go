package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// mailLink returns the first link in a mail's text that starts with
// prefix.
func mailLink(t *testing.T, m testenv.Mail, prefix string) string {
	t.Helper()
	bodies, _ := m.Parts(t)
	text := string(bodies["text/plain"])
	i := strings.Index(text, prefix)
	if i < 0 {
		t.Fatalf("no link %s… in\n%s", prefix, text)
	}
	return strings.Fields(text[i:])[0]
}

// TestBrowserWalletClaim: a learner receives the award mail (an in-process
// SMTP server), opens its claim link, creates a wallet from the claim
// page, receives the verification mail, opens its link, adds the badge to
// the wallet and sees it there as a card; staff see it claimed
// (CAIRN_SCREENSHOTS=DIR keeps the screenshots).
func TestBrowserWalletClaim(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	smtp := testenv.StartSMTP(t)
	a, stop := bootWith(t, Config{SMTPURL: smtp.URL("badges@example.org")})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+fr.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, out := call("POST", "/api/v1/awards", `{"achievementId":"`+fr.AchievementID+`","recipient":{"email":"Ada.Lovelace@example.org","name":"Ada Lovelace"}}`)
	if code != http.StatusCreated {
		t.Fatalf("issue: %d %s", code, out)
	}
	var award struct{ ID string }
	json.Unmarshal(out, &award)
	claim := mailLink(t, smtp.Wait(t, 1, 30*time.Second)[0], base+"/claim/")

	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(claim),
		chromedp.WaitVisible(chromedp.CSS("#claim-signup")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#claim h1"); got == "" {
		t.Error("the claim page names no achievement")
	}
	shot("wallet-claim-signed-out.png")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#claim-signup")),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada.lovelace@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "short"),
		chromedp.Click(chromedp.CSS("#signup")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(".field-error"); !strings.Contains(got, "10 characters") {
		t.Errorf("short password: %q", got)
	}
	shot("wallet-signup-error.png")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), "analytical engine 1843"),
		chromedp.Click(chromedp.CSS("#signup")),
		chromedp.WaitVisible(chromedp.CSS("#claim-state")),
	); err != nil {
		t.Fatal(err)
	}
	// Back on the claim page, signed in, the address not yet verified.
	if got := text("#claim-state"); !strings.Contains(got, "not verified") {
		t.Errorf("before verifying: %q", got)
	}
	shot("wallet-claim-unverified.png")

	verify := mailLink(t, smtp.Wait(t, 2, 30*time.Second)[1], base+"/wallet/verify?")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(verify),
		chromedp.WaitVisible(chromedp.CSS("#claim-button")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "confirmed") {
		t.Errorf("after verifying: %q", got)
	}
	shot("wallet-claim-verified.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#claim-button")),
		chromedp.WaitVisible(chromedp.CSS("#cards article[data-award='"+award.ID+"']")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "in your wallet") {
		t.Errorf("after claiming: %q", got)
	}
	if got := text("#emails"); !strings.Contains(got, "ada.lovelace@example.org") || !strings.Contains(got, "verified") {
		t.Errorf("addresses: %q", got)
	}
	shot("wallet-home.png")
	// The card offers the printable certificate.
	pdfURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#cards article[data-award='`+award.ID+`'] a.certificate").href`))
	if err != nil {
		t.Fatal(err)
	}
	getPDF(t, pdfURL)

	// Staff see it claimed.
	code, out = call("GET", "/api/v1/awards/"+award.ID, "")
	if code != 200 || !strings.Contains(string(out), `"claimed":true`) {
		t.Errorf("award after the claim: %d %s", code, out)
	}
	// And on the staff page of the award.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/awards/"+award.ID),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#claim-status")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#claim-status"); !strings.Contains(got, "claimed it into their wallet") {
		t.Errorf("staff award page: %q", got)
	}
	shot("wallet-staff-award.png")
	// The claim link again: it is in the wallet.
	if err := chromedp.Do(ctx, chromedp.Navigate(claim), chromedp.WaitVisible(chromedp.CSS("#claim-state"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#claim-state"); !strings.Contains(got, "in your wallet") {
		t.Errorf("claim page after the claim: %q", got)
	}
	// Sign out; the wallet asks to sign in again.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#signout")),
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
	); err != nil {
		t.Fatal(err)
	}
	shot("wallet-signed-out.png")
	// On a phone.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada.lovelace@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "analytical engine 1843"),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#cards")),
	); err != nil {
		t.Fatal(err)
	}
	shot("wallet-home-phone.png")
}
