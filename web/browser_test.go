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
	"github.com/cairn-badges/cairn/fetch"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/verify"
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
			[]string{"This credential was revoked by its issuer", "Reason given: Issued to the wrong person", "Revoked"}},
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
			// The checks are folded away under "Technical details".
			checks := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("#checks").textContent`))
			plain := run(t, ctx, chromedp.Text(chromedp.CSS("#plain")))
			badgeWidth := run(t, ctx, chromedp.Evaluate[float64](`document.querySelector("img.badge").naturalWidth`))
			qrWidth := run(t, ctx, chromedp.Evaluate[float64](`(document.querySelector("img.qr") || {naturalWidth: -1}).naturalWidth`))
			downloads := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".downloads a, #linkedin").length`))
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
			if !strings.Contains(plain, "Signed with Example University's key") {
				t.Errorf("the plain verification does not say who signed it: %q", plain)
			}
			if tc.award == revoked {
				// A revoked credential is not to be passed on.
				if downloads != 0 || qrWidth != -1 {
					t.Errorf("a revoked credential offers %d downloads or share buttons (QR %v)", downloads, qrWidth)
				}
			} else if badgeWidth == 0 || qrWidth <= 0 || downloads < 4 {
				t.Errorf("an image did not load, or downloads missing: badge %v, QR code %v px wide, %d downloads", badgeWidth, qrWidth, downloads)
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

// TestBrowserVerifyForeign pastes a credential issued elsewhere (signed by
// vc-verify, ../verify/testdata/foreign) into the /verify page, as an
// employer would: it is verified, its deviations from OB 3.0 are shown as
// warnings on the schema line, who signed its status list is said, and its
// endorsement is shown with its own outcome (failed) without changing the
// result. The screenshot is verify-foreign.png.
func TestBrowserVerifyForeign(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "verify", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	docs := map[string][]byte{
		"https://status.example/lists/7":              read("foreign/status-list.didweb.json"),
		"https://issuer.example/.well-known/did.json": read("vc-verify/did-web-issuer.example.json"),
	}
	v := verify.New(fetch.Func(func(ctx context.Context, url string) ([]byte, error) {
		if b, ok := docs[url]; ok {
			return b, nil
		}
		return nil, fetch.ErrUnavailable
	}))
	v.Now = func() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC) }
	mux := http.NewServeMux()
	(&Handler{Verifier: v}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := testenv.Browser(t, 60*time.Second)
	badge := string(read("foreign/ob3-vc2-eddsa-didkey.json"))
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SetValue(chromedp.CSS(`textarea[name="credential"]`), badge),
		chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#checks`)),
	); err != nil {
		t.Fatal(err)
	}
	banner := run(t, ctx, chromedp.Text(chromedp.CSS("#result")))
	checks := run(t, ctx, chromedp.Text(chromedp.CSS("#checks")))
	warnings := run(t, ctx, chromedp.Text(chromedp.CSS("#warnings")))
	endorsements := run(t, ctx, chromedp.Text(chromedp.CSS("#endorsements")))
	overflow := run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	shot := run(t, ctx, chromedp.FullScreenshot(100))
	file := filepath.Join(testenv.ScreenshotDir(t), "verify-foreign.png")
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)

	if !strings.Contains(banner, "Verified") {
		t.Errorf("banner %q, want verified", banner)
	}
	for _, want := range []string{"/issuer/image", "/credentialSubject/achievement/achievementType", "signed by did:web:issuer.example, not the credential's issuer"} {
		if !strings.Contains(checks, want) {
			t.Errorf("the checks table does not show %q:\n%s", want, checks)
		}
	}
	if !strings.Contains(warnings, "Endorsement by the Example Accreditor") {
		t.Errorf("the warnings do not name the failed endorsement:\n%s", warnings)
	}
	if !strings.Contains(endorsements, "failed") || !strings.Contains(endorsements, "issuer-key") {
		t.Errorf("the endorsement is not shown with its own outcome:\n%s", endorsements)
	}
	if overflow {
		t.Error("the page is wider than the screen")
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

// TestBrowserCredentialPageInKorean opens a credential page in Korean
// (and in every other language, with a revoked one in each) on a phone, as
// the switcher's link does: the banner, the plain-words verification and
// the share card are in the language, the page fits the screen, and the
// screenshots show the script rendered.
func TestBrowserCredentialPageInKorean(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, PublicOptions{})
	mux = e.mux
	aw := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	revoked := e.award(t, e.ach, true, cairn.FormatDataIntegrity)
	if _, err := e.svc.SetState(t.Context(), e.org.ID, revoked.ID, cairn.StateRevoked, "Issued in error"); err != nil {
		t.Fatal(err)
	}
	dir := testenv.ScreenshotDir(t)
	ctx := testenv.Browser(t, 90*time.Second)
	type page struct {
		lang  i18n.Lang
		award string // "" for aw
		wants []string
	}
	pages := []page{
		{i18n.Korean, "", []string{"검증됨: 모든 확인을 통과했습니다", "Example University이(가) Ada Lovelace 님에게 발급", "공유 및 다운로드",
			"믿을 수 있을까요?", "Example University의 키", "다시 확인", "수여일", "년"}},
		{i18n.Thai, "", []string{"ตรวจสอบแล้ว: ผ่านทุกการตรวจ", "แชร์และดาวน์โหลด", "เชื่อถือได้หรือไม่", "ลงนามด้วยกุญแจของ Example University"}},
	}
	// Every other language too, and a revoked credential in each.
	for _, l := range i18n.Langs {
		p := i18n.For(l.Lang)
		if l.Lang != i18n.Korean && l.Lang != i18n.Thai {
			pages = append(pages, page{l.Lang, "", []string{p.T("Share and download"), p.T("Check again"), p.T("Awarded"), "Data Analysis Foundations"}})
		}
		pages = append(pages, page{l.Lang, revoked.ID, []string{p.T("Reason given: %s", "Issued in error")}})
	}
	for _, tc := range pages {
		name, id := string(tc.lang), aw.ID
		if tc.award != "" {
			name, id = name+"-revoked", tc.award
		}
		t.Run(name, func(t *testing.T) {
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1),
					func(p *emulation.SetDeviceMetricsOverrideParams, s *emulation.SetTouchEmulationEnabledParams) {
						p.Mobile = true
						s.Enabled = true
					}),
				chromedp.Navigate(srv.URL+"/credentials/"+id+"?lang="+string(tc.lang)),
				chromedp.WaitVisible(chromedp.CSS("main")),
			); err != nil {
				t.Fatal(err)
			}
			text := run(t, ctx, chromedp.Text(chromedp.CSS("body")))
			lang := run(t, ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			overflow := run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
			shot := run(t, ctx, chromedp.FullScreenshot(100))
			file := filepath.Join(dir, "credential-phone-"+name+".png")
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", file)
			if lang != string(tc.lang) {
				t.Errorf("<html lang=%q>, want %s", lang, tc.lang)
			}
			for _, want := range tc.wants {
				if !strings.Contains(text, want) {
					t.Errorf("the page does not show %q", want)
				}
			}
			if overflow {
				t.Error("the page is wider than the screen")
			}
		})
	}
}
