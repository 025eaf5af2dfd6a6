package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserVerifyThrottled: a person who pastes credentials into the
// verify form faster than the server allows sees a page saying so, not an
// error or a report (CAIRN_SCREENSHOTS=DIR keeps the screenshot).
func TestBrowserVerifyThrottled(t *testing.T) {
	ctx := testenv.Browser(t, 60*time.Second)
	a, stop := bootWith(t, Config{Verify: VerifyLimits{Rate: 0.001, Burst: 1}})
	defer stop()
	base := a.BaseURL()
	cred := fetchBody(t, base+"/demo/credential.json")
	submit := func() string {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS(`textarea[name="credential"]`)),
			chromedp.SetValue(chromedp.CSS(`textarea[name="credential"]`), cred),
			chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
			// The report's banner, or the refusal's card: only the answer
			// to the form has either.
			chromedp.WaitVisible(chromedp.CSS(`#result, .card.error`)),
		); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	if first := submit(); !strings.Contains(first, "Verified") {
		t.Fatalf("the first verification does not say Verified:\n%.500s", first)
	}
	second := submit()
	for _, want := range []string{"Too many verifications", "Nothing was verified", "Please try again in"} {
		if !strings.Contains(second, want) {
			t.Errorf("the page past the rate does not say %q:\n%.500s", want, second)
		}
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(testenv.ScreenshotDir(t), "verify-throttled.png")
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}
