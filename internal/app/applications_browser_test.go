package app

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// appAPI calls the API with the first run's owner key.
func appAPI(t *testing.T, base, key, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// rubricAchievement makes an achievement with two result descriptions (a
// letter grade from a list, a percentage from 0 to 100) and returns its id.
func rubricAchievement(t *testing.T, base string, fr *FirstRun) string {
	t.Helper()
	code, out := appAPI(t, base, fr.APIKey, "POST", "/api/v1/achievements", `{"issuerId":"`+fr.IssuerID+`","name":"Data Analysis Competency",
		"description":"Analyses real data sets and reports on them.","criteriaNarrative":"Submit an analysis of a public data set: the report and the code.",
		"achievementType":"Competency","resultDescription":[{"name":"Grade","resultType":"LetterGrade","allowedValue":["A","B","C"],"requiredValue":"C"},
		{"name":"Score","resultType":"Percent","valueMin":"0","valueMax":"100"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("achievement: %d %s", code, out)
	}
	var ach struct{ ID string }
	json.Unmarshal(out, &ach)
	return ach.ID
}

// TestBrowserApplications: staff open an achievement to applications; a
// learner creates a wallet, confirms the address and applies with a file
// and a link; staff review it with the rubric and approve it; the
// learner's wallet shows the badge and the application approved. Then the
// learner applies again, staff return it with comments, the learner reads
// them and resubmits (CAIRN_SCREENSHOTS=DIR keeps the screenshots).
func TestBrowserApplications(t *testing.T) {
	ctx := testenv.Browser(t, 180*time.Second)
	smtp := testenv.StartSMTP(t)
	a, stop := bootWith(t, Config{SMTPURL: smtp.URL("badges@example.org")})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	achID := rubricAchievement(t, base, fr)
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}

	// Staff open the achievement to applications on its page.
	run(chromedp.EmulateViewport(1100, 800, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin/achievements/"+achID),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#applications")),
		chromedp.Click(chromedp.CSS("#apps-open")),
		chromedp.SendKeys(chromedp.CSS("#apps-instructions"), "Upload the report as a PDF or PNG and link to your code."),
		chromedp.Click(chromedp.CSS("#apps-save")),
		chromedp.WaitVisible(chromedp.CSS("#apply-link")),
	)
	if got := text("#notice"); !strings.Contains(got, "application settings are saved") {
		t.Errorf("after saving: %q", got)
	}
	shot("applications-staff-open.png")

	// The learner, signed out, is asked to sign in; creates a wallet.
	run(chromedp.Navigate(base+"/achievements/"+achID+"/apply"),
		chromedp.WaitVisible(chromedp.CSS("#signin-to-apply")))
	if got := text("#instructions"); !strings.Contains(got, "link to your code") {
		t.Errorf("instructions: %q", got)
	}
	shot("applications-apply-signed-out.png")
	run(chromedp.Click(chromedp.CSS("#apply-signup")),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Somchai Jaidee"),
		chromedp.SendKeys(chromedp.CSS("#email"), "somchai@example.ac.th"),
		chromedp.SendKeys(chromedp.CSS("#password"), "analytical engine 1843"),
		chromedp.Click(chromedp.CSS("#signup")),
		chromedp.WaitVisible(chromedp.CSS("#apply-form")),
	)
	if got := text("#confirm-first"); !strings.Contains(got, "Confirm") {
		t.Errorf("unconfirmed: %q", got)
	}
	verify := mailLink(t, smtp.Wait(t, 1, 30*time.Second)[0], base+"/wallet/verify?")
	dir := t.TempDir()
	report := filepath.Join(dir, "report.png")
	if err := os.WriteFile(report, tinyPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(verify),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
		chromedp.Navigate(base+"/achievements/"+achID+"/apply"),
		chromedp.WaitVisible(chromedp.CSS("#submit-application")),
		chromedp.SendKeys(chromedp.CSS("#statement"), "I analysed Bangkok's air quality data for 2024 and reported on PM2.5 trends."),
		chromedp.SendKeys(chromedp.CSS("#urls"), "https://git.example.org/somchai/air-quality"),
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{report}),
		chromedp.Click(chromedp.CSS("#consent")),
	)
	shot("applications-apply-form.png")
	run(chromedp.Click(chromedp.CSS("#submit-application")),
		chromedp.WaitVisible(chromedp.CSS("#app-state")))
	if got := text("#app-state"); got != "submitted" {
		t.Errorf("state after applying: %q", got)
	}
	if got := text("#app-files"); !strings.Contains(got, "report.png") {
		t.Errorf("files: %q", got)
	}
	shot("applications-learner-submitted.png")

	// Staff review it: the queue, the evidence, the rubric.
	run(chromedp.Navigate(base+"/admin/applications"),
		chromedp.WaitVisible(chromedp.CSS("#applications tbody tr")))
	if got := text("#applications"); !strings.Contains(got, "Somchai Jaidee") || !strings.Contains(got, "Data Analysis Competency") {
		t.Errorf("queue: %q", got)
	}
	shot("applications-staff-queue.png")
	run(chromedp.Click(chromedp.CSS("#applications tbody a")),
		chromedp.WaitVisible(chromedp.CSS("#approve-form")))
	if got := text("#links"); !strings.Contains(got, "git.example.org/somchai/air-quality") {
		t.Errorf("links: %q", got)
	}
	if got := text("#consent"); !strings.Contains(got, "lets the files be published") {
		t.Errorf("consent: %q", got)
	}
	// A score out of range is refused next to its field.
	run(chromedp.SetValue(chromedp.CSS("#result0"), "A"),
		chromedp.SendKeys(chromedp.CSS("#result1"), "140"),
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#approve-form .field-error")))
	if got := text("#approve-form .field-error"); !strings.Contains(got, "above the highest value 100") {
		t.Errorf("out of range: %q", got)
	}
	shot("applications-staff-review-error.png")
	run(chromedp.SetValue(chromedp.CSS("#result1"), "88"),
		chromedp.SendKeys(chromedp.CSS("#comment"), "A clear, well-argued analysis."),
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#app-award")))
	if got := text("#app-state"); got != "approved" {
		t.Errorf("state after approving: %q", got)
	}
	shot("applications-staff-approved.png")

	// The learner's wallet: the badge, and the application approved.
	run(chromedp.Navigate(base+"/wallet"),
		chromedp.WaitVisible(chromedp.CSS("#cards article")),
		chromedp.WaitVisible(chromedp.CSS("#my-applications")))
	if got := text("#cards"); !strings.Contains(got, "Data Analysis Competency") {
		t.Errorf("cards: %q", got)
	}
	if got := text("#my-applications"); !strings.Contains(got, "approved") {
		t.Errorf("applications: %q", got)
	}
	shot("applications-wallet-badge.png")
	run(chromedp.Click(chromedp.CSS("#my-applications li a")),
		chromedp.WaitVisible(chromedp.CSS("#app-results")))
	if got := text("#app-results"); !strings.Contains(got, "Grade: A") || !strings.Contains(got, "Score: 88") {
		t.Errorf("results: %q", got)
	}
	shot("applications-wallet-approved.png")

	// The credential carries the evidence and the results.
	code, out := appAPI(t, base, fr.APIKey, "GET", "/api/v1/applications?state=approved", "")
	var page struct {
		Items []struct{ ID, AwardID string }
	}
	json.Unmarshal(out, &page)
	if code != 200 || len(page.Items) != 1 {
		t.Fatalf("approved list: %d %s", code, out)
	}
	cred := fetchBody(t, base+"/credentials/"+page.Items[0].AwardID+".json")
	for _, want := range []string{"https://git.example.org/somchai/air-quality", base + "/evidence/", `"value":"88"`} {
		if !strings.Contains(cred, want) {
			t.Errorf("credential lacks %s", want)
		}
	}
	// The published file is served safely.
	i := strings.Index(cred, base+"/evidence/")
	evURL := cred[i : i+strings.IndexByte(cred[i:], '"')]
	resp, err := http.Get(evURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("evidence %s: %d %v", evURL, resp.StatusCode, resp.Header)
	}

	// Applying again; staff return it with comments; the learner resubmits.
	run(chromedp.Navigate(base+"/achievements/"+achID+"/apply"),
		chromedp.WaitVisible(chromedp.CSS("#submit-application")),
		chromedp.SendKeys(chromedp.CSS("#statement"), "A second analysis, of rainfall."),
		chromedp.Click(chromedp.CSS("#submit-application")),
		chromedp.WaitVisible(chromedp.CSS("#app-state")))
	code, out = appAPI(t, base, fr.APIKey, "GET", "/api/v1/applications?state=submitted", "")
	json.Unmarshal(out, &page)
	if code != 200 || len(page.Items) != 1 {
		t.Fatalf("submitted list: %d %s", code, out)
	}
	second := page.Items[0].ID
	run(chromedp.Navigate(base+"/admin/applications/"+second),
		chromedp.WaitVisible(chromedp.CSS("#return-form")),
		chromedp.SendKeys(chromedp.CSS("#returnComment"), "Please attach the data and the code."),
		chromedp.Click(chromedp.CSS("#return")),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	if got := text("#app-state"); got != "returned" {
		t.Errorf("state after returning: %q", got)
	}
	run(chromedp.Navigate(base+"/wallet/applications/"+second),
		chromedp.WaitVisible(chromedp.CSS("#resubmit-form")))
	if got := text("#app-comment"); !strings.Contains(got, "attach the data") {
		t.Errorf("comments: %q", got)
	}
	shot("applications-wallet-returned.png")
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("Rainfall 2024, monthly totals.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(chromedp.SendKeys(chromedp.CSS("#urls"), "https://git.example.org/somchai/rainfall"),
		chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{notes}),
		chromedp.Click(chromedp.CSS("#resubmit")),
		chromedp.WaitVisible(chromedp.CSS("#notice")))
	if got := text("#app-state"); got != "submitted" {
		t.Errorf("state after resubmitting: %q", got)
	}
	if got := text("#app-files"); !strings.Contains(got, "notes.txt") {
		t.Errorf("files after resubmitting: %q", got)
	}
	shot("applications-wallet-resubmitted.png")
	code, out = appAPI(t, base, fr.APIKey, "GET", "/api/v1/applications/"+second, "")
	if code != 200 || !strings.Contains(string(out), `"state":"submitted"`) || !strings.Contains(string(out), "rainfall") {
		t.Errorf("resubmitted: %d %s", code, out)
	}
}

// tinyPNG is a 1×1 PNG.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
