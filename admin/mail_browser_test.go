package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserMail edits the award mail's template in headless Chromium,
// is refused a template with an unknown field, previews and saves it,
// issues a badge through the form, and finds the mail in the page's list
// as sent, and in the in-process SMTP server's mailbox.
func TestBrowserMail(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, Options{})
	mux = e.mux
	smtp := withMail(t, e)
	dir := testenv.ScreenshotDir(t)
	ctx := testenv.Browser(t, 120*time.Second)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	shot := func(name string) {
		t.Helper()
		b := run(t, ctx, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, "admin-mail-"+name+".png")
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
		if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
			t.Errorf("the %s page is wider than the screen", name)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/admin/mail"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), ownerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#template-form")),
	); err != nil {
		t.Fatal(err)
	}
	shot("default")
	// An unknown field: refused next to the body.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#body"), "Dear {{.StudentName}},\n\nsee {{.CredentialURL}}"),
		chromedp.Click(chromedp.CSS("#save-button")),
		chromedp.WaitVisible(chromedp.CSS("p.field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS("p.field-error"))); !strings.Contains(got, ".StudentName") {
		t.Errorf("field error %q", got)
	}
	shot("error")
	// Fix it, preview, save.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#subject"), "Congratulations on {{.AchievementName}}, {{.LearnerName}}"),
		chromedp.SetValue(chromedp.CSS("#body"), "Dear {{.LearnerName}},\n\n{{.IssuerName}} is proud of you.\n\nYour badge: {{.CredentialURL}}\nClaim it: {{.ClaimURL}}"),
		chromedp.Click(chromedp.CSS("#preview-button")),
		chromedp.WaitVisible(chromedp.CSS("#preview-subject")),
	); err != nil {
		t.Fatal(err)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS("#preview"))); !strings.Contains(got, "Congratulations on Analytical Engine Operator, Ada Lovelace") || !strings.Contains(got, "Example College is proud of you.") {
		t.Errorf("preview:\n%s", got)
	}
	shot("preview")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#save-button")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	); err != nil {
		t.Fatal(err)
	}
	// Issue a badge through the form.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/awards/new"),
		chromedp.WaitVisible(chromedp.CSS("#award-form")),
		chromedp.SetValue(chromedp.CSS("#achievement"), e.ach.ID),
		chromedp.SendKeys(chromedp.CSS("#recipient"), "grace.hopper@example.org"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Grace Hopper"),
		chromedp.Click(chromedp.CSS("#award-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#checks")),
	); err != nil {
		t.Fatal(err)
	}
	got := smtp.Wait(t, 1, 30*time.Second)
	if s := got[0].Header(t).Get("Subject"); s != "Congratulations on Data Analysis Foundations, Grace Hopper" {
		t.Errorf("subject %q", s)
	}
	if got[0].To[0] != "grace.hopper@example.org" {
		t.Errorf("sent to %q", got[0].To)
	}
	// The list shows it as sent (the worker may mark it a moment after
	// the server accepted it: reload until it does).
	var list string
	for range 50 {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin/mail"), chromedp.WaitVisible(chromedp.CSS("#mail-list"))); err != nil {
			t.Fatal(err)
		}
		if list = run(t, ctx, chromedp.Text(chromedp.CSS("#mail-list"))); strings.Contains(list, "Sent") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(list, "grace.hopper@example.org") || !strings.Contains(list, "Sent") {
		t.Errorf("mail list:\n%s", list)
	}
	shot("list")
	// A preview with the real award shows its name and its baked badge.
	id := strings.TrimPrefix(got[0].Header(t).Get("Message-Id"), "<cairn.award.")
	id = id[:strings.Index(id, "@")]
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#awardId"), id),
		chromedp.Click(chromedp.CSS("#preview-button")),
		// The page before has a preview too: wait for the award's.
		chromedp.WaitVisible(chromedp.CSS(`#preview-subject[data-award="`+id+`"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("#preview img").complete`),
	); err != nil {
		t.Fatal(err)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS("#preview-subject"))); got != "Congratulations on Data Analysis Foundations, Grace Hopper" {
		t.Errorf("preview with the award: %q", got)
	}
	if !run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("#preview img").naturalWidth > 0`)) {
		t.Error("the preview's badge image did not load")
	}
	shot("award-preview")
}
