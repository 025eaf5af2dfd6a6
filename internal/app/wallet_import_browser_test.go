package app

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserWalletImport: a learner adds badges from another platform to
// their wallet: a baked SVG through the plain file input, a baked PNG
// dropped on the page (import.js), a JWT pasted; each lands as a card with
// its image and a verification badge; a card's page shows the checks and
// checks again; an imported badge is deleted (CAIRN_SCREENSHOTS=DIR keeps
// the screenshots). The server is offline: the 1EdTech samples whose
// issuer key is published at a URL are indeterminate, the JWT that names
// no key failed, the one carrying its key verified.
func TestBrowserWalletImport(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base := a.BaseURL()
	vector := func(name string) string {
		p, err := filepath.Abs(filepath.Join("..", "..", "api", "testdata", "wallet", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pngData, err := os.ReadFile(vector("ob30-simple-json.png"))
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := os.ReadFile(vector("ob30-simple.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/wallet/signup"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Grace Hopper"),
		chromedp.SendKeys(chromedp.CSS("#email"), "grace@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "compiler pioneer 1952"),
		chromedp.Click(chromedp.CSS("#signup")),
		chromedp.WaitVisible(chromedp.CSS("#import")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("main"); !strings.Contains(got, "Add a badge from elsewhere") {
		t.Fatalf("wallet page: %q", got)
	}
	shot("wallet-import-empty.png")

	// The plain file input: a baked SVG (its VC-JWT carries its key).
	if err := chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{vector("ob30-simple-jwt.svg")}),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#checks")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "in your wallet") {
		t.Errorf("after the upload: %q", got)
	}
	if got := text("#verification h2"); !strings.Contains(got, "verified") {
		t.Errorf("verification of the SVG: %q", got)
	}
	if got := text("#checks"); !strings.Contains(got, "Signature") {
		t.Errorf("checks: %q", got)
	}
	shot("wallet-import-detail.png")
	// Check again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#check-again"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `location.search.indexOf("done=checked") >= 0 && !!document.getElementById("checks")`)
	if got := text("#notice"); !strings.Contains(got, "Checked again") {
		t.Errorf("after Check again: %q", got)
	}

	// Drag and drop a baked PNG onto the drop zone: import.js sends it.
	drop := `(function(){
		var bin = atob("` + base64.StdEncoding.EncodeToString(pngData) + `");
		var bytes = new Uint8Array(bin.length);
		for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
		var dt = new DataTransfer();
		dt.items.add(new File([bytes], "badge.png", {type: "image/png"}));
		var zone = document.getElementById("dropzone");
		zone.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: dt}));
		zone.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
		return true;
	})()`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#dropzone")),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](drop)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `location.pathname.indexOf("/wallet/credentials/") >= 0 && !!document.getElementById("checks")`)
	if got := text("#verification h2"); !strings.Contains(got, "not sure") {
		t.Errorf("verification of the dropped PNG (offline, the issuer's key at a URL): %q", got)
	}
	if got := text("#indeterminate-note"); got == "" {
		t.Error("no note on an indeterminate result")
	}
	shot("wallet-import-dropped.png")

	// Pasted: a JWT that names no key, kept and flagged failed.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#import-form")),
		chromedp.Click(chromedp.CSS("#import details summary")),
		chromedp.SendKeys(chromedp.CSS("#import-credential"), strings.TrimSpace(string(jwt))),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#failed-note")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "marked failed") {
		t.Errorf("notice after importing a failing badge: %q", got)
	}
	shot("wallet-import-failed.png")

	// A PNG with no badge in it: a clear error on the wallet page.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#import-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{filepath.Join(mustAbs(t, "../../bake/testdata"), "ob20-robotics-badge-unbaked.png")}),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#form-error"); !strings.Contains(got, "carries no badge") {
		t.Errorf("PNG without a credential: %q", got)
	}

	// The wallet: three cards, each with its image and verification badge.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#cards")),
	); err != nil {
		t.Fatal(err)
	}
	results, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#cards article.imported")).map(a => a.dataset.result)`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`Array.from(document.querySelectorAll("#cards article.imported img")).length === 2 && Array.from(document.querySelectorAll("#cards article.imported img")).every(i => i.complete && i.naturalWidth > 0)`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("card images not loaded: %v", err)
	}
	if strings.Join(results, ",") != "failed,indeterminate,verified" {
		t.Errorf("cards: %v", results)
	}
	if got := text("#cards"); !strings.Contains(got, "not sure") || !strings.Contains(got, "failed") || !strings.Contains(got, "verified") {
		t.Errorf("cards: %q", got)
	}
	shot("wallet-import-cards.png")

	// Delete the failed one.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#cards article[data-result="failed"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#delete-imported")),
		chromedp.Click(chromedp.CSS("#delete-imported")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "deleted") {
		t.Errorf("after delete: %q", got)
	}
	// On a phone.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#cards")),
	); err != nil {
		t.Fatal(err)
	}
	shot("wallet-import-phone.png")
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// waitFor evaluates the JavaScript condition until it holds (a page that
// navigates meanwhile is retried), or fails the test after 15 s (times
// raceScale under the race detector: an import verifies, and signing and
// verifying are about ten times slower there).
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	limit := 15 * time.Second
	if raceScale > 1 {
		limit *= raceScale
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waited %s for %s", limit, cond)
}
