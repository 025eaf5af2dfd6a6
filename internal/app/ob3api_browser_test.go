package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/oauth"
)

// TestBrowserOB3Consent: another platform registers with the OB 3.0 API
// host, sends a signed-out learner to the consent page; the learner signs
// in, comes back to the same request, sees the application and what it
// asks, allows it; the platform gets the code at its redirect URI,
// exchanges it with its PKCE verifier and reads the learner's profile
// (CAIRN_SCREENSHOTS=DIR keeps the screenshots).
func TestBrowserOB3Consent(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base := a.BaseURL()

	// The other platform: its redirect URI records the query.
	got := make(chan url.Values, 1)
	client := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query()
		io.WriteString(w, "<!doctype html><title>Back at the platform</title><p id=back>back</p>")
	}))
	defer client.Close()
	redirect := client.URL + "/cb"
	resp, err := http.Post(base+"/oauth/ob3/register", "application/json", strings.NewReader(
		`{"client_name":"Other Badge Wallet","client_uri":"https://other.example/","redirect_uris":["`+redirect+`"],
		  "scope":"`+oauth.ScopeProfileRead+` `+oauth.ScopeCredentialRead+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reg); err != nil || resp.StatusCode != 201 {
		t.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	verifier := strings.Repeat("browser-verifier-", 3)
	authorize := base + "/wallet/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {reg.ClientID},
		"redirect_uri": {redirect}, "scope": {oauth.ScopeProfileRead}, "state": {"xyz"},
		"code_challenge": {oauth.ChallengeOf(verifier)}, "code_challenge_method": {"S256"}}.Encode()

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/wallet/signup"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Grace Hopper"),
		chromedp.SendKeys(chromedp.CSS("#email"), "grace@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "compiler pioneer 1952"),
		chromedp.Click(chromedp.CSS("#signup")),
		chromedp.WaitVisible(chromedp.CSS("#signout")),
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		// Signed out: the consent page asks to sign in first.
		chromedp.Navigate(authorize),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "grace@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "compiler pioneer 1952"),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#consent")),
	); err != nil {
		t.Fatal(err)
	}
	text := pageText(t, ctx, "#consent")
	for _, want := range []string{"Other Badge Wallet", "See your name and email address", "127.0.0.1"} {
		if !strings.Contains(text, want) {
			t.Errorf("consent page lacks %q: %q", want, text)
		}
	}
	if strings.Contains(text, "See the badges") {
		t.Errorf("consent page names a scope not asked for: %q", text)
	}
	screenshot(t, ctx, "ob3-consent.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#consent-approve")), chromedp.WaitVisible(chromedp.CSS("#back"))); err != nil {
		t.Fatal(err)
	}
	var q url.Values
	select {
	case q = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the browser did not come back to the redirect URI")
	}
	if q.Get("state") != "xyz" || q.Get("code") == "" {
		t.Fatalf("redirect query: %v", q)
	}

	req, _ := http.NewRequest("POST", base+"/oauth/ob3/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
		"code": {q.Get("code")}, "code_verifier": {verifier}, "redirect_uri": {redirect}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(reg.ClientID, reg.ClientSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tr oauth.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", base+"/ims/ob/v3p0/profile", nil)
	req.Header.Set("Authorization", "Bearer "+tr.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "grace@example.org") {
		t.Fatalf("profile: %d %s", resp.StatusCode, b)
	}

	// The learner sees the application among the connected ones and
	// disconnects it: its token stops working.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/wallet"), chromedp.WaitVisible(chromedp.CSS("#nav-apps")),
		chromedp.Click(chromedp.CSS("#nav-apps")), chromedp.WaitVisible(chromedp.CSS("#apps"))); err != nil {
		t.Fatal(err)
	}
	if text := pageText(t, ctx, "#apps"); !strings.Contains(text, "Other Badge Wallet") || !strings.Contains(text, "See your name") {
		t.Errorf("connected applications: %q", text)
	}
	screenshot(t, ctx, "ob3-apps.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#apps form button")), chromedp.WaitVisible(chromedp.CSS("#no-apps"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "ob3-apps-disconnected.png")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("profile after disconnect: %d", resp.StatusCode)
	}
}
