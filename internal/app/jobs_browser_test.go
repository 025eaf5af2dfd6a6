package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserAwardJob: a staff member uploads a spreadsheet on the Bulk
// issue page, sees the preview with the bad rows highlighted, starts the
// job, watches the bar reach 100 % without the page being loaded again,
// downloads the failed rows (formula-safe) and finds the job in the list
// (CAIRN_SCREENSHOTS=DIR keeps the screenshots).
func TestBrowserAwardJob(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	// Small batches, one worker: the job takes long enough to watch.
	a, stop := bootWith(t, Config{Jobs: JobLimits{BatchSize: 10, Workers: 1}})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	var csv strings.Builder
	csv.WriteString("email,name,externalId\n")
	const good = 600
	for i := range good {
		fmt.Fprintf(&csv, "learner%d@example.org,Learner %d,r%d\n", i, i, i)
	}
	csv.WriteString("not-an-email,Eve,bad1\n")
	csv.WriteString("=HYPERLINK(\"http://evil\"),Mallory,bad2\n")
	file := filepath.Join(t.TempDir(), "graduates.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin/award-jobs"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#upload-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.SetValue(chromedp.CSS("#achievement"), fr.AchievementID),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#preview-summary")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#preview-summary"); !strings.Contains(got, "602 rows") || !strings.Contains(got, "600 would be issued") || !strings.Contains(got, "2 have errors") {
		t.Errorf("preview summary: %q", got)
	}
	errs := text("#row-errors")
	if !strings.Contains(errs, "602") || !strings.Contains(errs, "603") || !strings.Contains(errs, "email") {
		t.Errorf("row errors: %q", errs)
	}
	shot("award-job-preview.png")

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#start")),
		chromedp.WaitVisible(chromedp.CSS("#job-bar")),
	); err != nil {
		t.Fatal(err)
	}
	// A mark on this page: a reload would lose it.
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.cairnMark = "kept"; document.getElementById("job-state").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if state == "done" {
		t.Log("the job was done before its page loaded: the bar was not seen moving")
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#show-failed"))); err != nil {
		t.Fatal(err)
	}
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.cairnMark || "reloaded"`))
	if err != nil {
		t.Fatal(err)
	}
	if marker != "kept" {
		t.Errorf("the page was loaded again while the job ran")
	}
	if got := text("#job-counts"); !strings.Contains(got, "100 %") || !strings.Contains(got, "600 issued") || !strings.Contains(got, "2 failed") {
		t.Errorf("counts at the end: %q", got)
	}
	if got := text("#job-state"); got != "done" {
		t.Errorf("state at the end: %q", got)
	}
	shot("award-job-done.png")

	// The CSV, fetched by the page (with its session).
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("failed-csv").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "row,state,column,reason") || !strings.Contains(body, "602,failed,email") || !strings.Contains(body, "603,failed") {
		t.Errorf("failed rows CSV:\n%s", body)
	}
	for _, line := range strings.Split(body, "\n") {
		for _, cell := range strings.Split(line, ",") {
			if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, `"=`) {
				t.Errorf("a cell a spreadsheet would run: %q", line)
			}
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#show-failed")),
		chromedp.WaitVisible(chromedp.CSS("#failed-rows")),
	); err != nil {
		t.Fatal(err)
	}
	shot("award-job-failed-rows.png")
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/admin/award-jobs"),
		chromedp.WaitVisible(chromedp.CSS("#jobs")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#jobs"); !strings.Contains(got, "graduates.csv") || !strings.Contains(got, "done") {
		t.Errorf("the list of jobs: %q", got)
	}
	shot("award-jobs-phone.png")
}
