package app

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserEvidenceItems: an achievement with evidence requirements
// lists them on its public page; its apply form asks for each one and
// refuses an application without the required file; the application
// made with them shows them to staff (CAIRN_SCREENSHOTS=DIR keeps the
// screenshots).
func TestBrowserEvidenceItems(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	code, out := appAPI(t, base, fr.APIKey, "POST", "/api/v1/achievements", `{"issuerId":"`+fr.IssuerID+`","name":"Field Report",
		"description":"Writes a field report.","criteriaNarrative":"Survey a site and report on it.",
		"evidenceRequirements":[{"id":"report","label":"The report","kind":"file","required":true,"description":"A PDF or a scan of at most 10 pages."},
		{"id":"map","label":"A link to the site map","kind":"url","required":true},{"id":"notes","label":"Notes for the assessor","kind":"text"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("achievement: %d %s", code, out)
	}
	var ach struct{ ID string }
	json.Unmarshal(out, &ach)
	if code, out := appAPI(t, base, fr.APIKey, "PUT", "/api/v1/achievements/"+ach.ID+"/applications", `{"open":true,"anyone":true}`); code != 200 {
		t.Fatalf("open: %d %s", code, out)
	}
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/achievements/"+ach.ID),
		chromedp.WaitVisible(chromedp.CSS("#evidence-requirements")))
	if got := text("#criteria"); !strings.Contains(got, "The report (a file, required): A PDF or a scan") || !strings.Contains(got, "Notes for the assessor (a text, optional)") {
		t.Errorf("How to earn it: %q", got)
	}
	shot("evidence-items-public.png")

	report := filepath.Join(t.TempDir(), "report.png")
	if err := os.WriteFile(report, tinyPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(base+"/achievements/"+ach.ID+"/apply"),
		chromedp.WaitVisible(chromedp.CSS("#evidence-items")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Nguyen Van An"),
		chromedp.SendKeys(chromedp.CSS("#email"), "an@example.vn"),
		chromedp.SendKeys(chromedp.CSS("#item-map"), "https://maps.example.org/site-7"),
		chromedp.Click(chromedp.CSS("#submit-application")),
		chromedp.WaitVisible(chromedp.CSS("#item-report.invalid")))
	if got := text("#evidence-items"); !strings.Contains(got, "The report is required") {
		t.Errorf("without the file: %q", got)
	}
	shot("evidence-items-missing.png")
	run(chromedp.SetUploadFiles(chromedp.CSS("#item-report"), []string{report}),
		chromedp.SendKeys(chromedp.CSS("#item-notes"), "Surveyed in the dry season."),
		chromedp.Click(chromedp.CSS("#submit-application")),
		chromedp.WaitVisible(chromedp.CSS("#applied")))

	run(chromedp.Navigate(base+"/admin/applications"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#applications tbody tr a")),
		chromedp.Click(chromedp.CSS("#applications tbody tr a")),
		chromedp.WaitVisible(chromedp.CSS("#items")))
	if got := text("#items"); !strings.Contains(got, "report.png") || !strings.Contains(got, "https://maps.example.org/site-7") || !strings.Contains(got, "Surveyed in the dry season.") {
		t.Errorf("staff see the items as %q", got)
	}
	shot("evidence-items-staff.png")
}
