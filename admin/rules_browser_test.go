package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserRules creates an issuing rule through the form in headless
// Chromium, sends an event through the API as an LMS would, and finds the
// award the rule made in the events list, on a desktop and on a phone,
// with screenshots of the pages (CAIRN_SCREENSHOTS=DIR keeps them).
func TestBrowserRules(t *testing.T) {
	var mux http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { mux.ServeHTTP(w, r) }))
	defer srv.Close()
	e := newEnv(t, srv.URL, Options{})
	mux = e.mux
	key, k := api.NewAPIKey(e.org.ID, "LMS", cairn.RoleIssuer)
	if err := e.db.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	dir := testenv.ScreenshotDir(t)
	actx := testenv.Browser(t, 120*time.Second)

	for _, dev := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		t.Run(dev.name, func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			if err := chromedp.Do(ctx); err != nil {
				t.Fatal(err)
			}
			ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			shot := func(name string) {
				t.Helper()
				b := run(t, ctx, chromedp.FullScreenshot(100))
				file := filepath.Join(dir, "admin-"+name+"-"+dev.name+".png")
				if err := os.WriteFile(file, b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", file)
				if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
					t.Errorf("the %s page is wider than the screen", name)
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(dev.width, dev.height, chromedp.EmulateScale(1),
					func(p *emulation.SetDeviceMetricsOverrideParams, s *emulation.SetTouchEmulationEnabledParams) {
						p.Mobile = dev.mobile
						s.Enabled = dev.mobile
					}),
				chromedp.Navigate(srv.URL+"/admin/rules"),
				chromedp.WaitVisible(chromedp.CSS("#email")),
				chromedp.SendKeys(chromedp.CSS("#email"), issuerEmail),
				chromedp.SendKeys(chromedp.CSS("#password"), password),
				chromedp.Click(chromedp.CSS("button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#rule-form")),
			); err != nil {
				t.Fatal(err)
			}
			course := "DATA-101-" + dev.name
			// A score over 100 first: the error shows next to the field.
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.CSS("#rulename"), "Data course with distinction"),
				chromedp.SendKeys(chromedp.CSS("#courseId"), course),
				chromedp.SendKeys(chromedp.CSS("#minScore"), "180"),
				chromedp.SetValue(chromedp.CSS("#achievement"), e.ach.ID),
				chromedp.SendKeys(chromedp.CSS("#narrative"), "Completed {courseId} on {date} with {score}%."),
				// The browser would refuse 180 itself (max=100): let the server say it.
				chromedp.SetAttributeValue(chromedp.CSS("#minScore"), "max", "1000"),
				chromedp.Click(chromedp.CSS("#rule-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("p.field-error")),
			); err != nil {
				t.Fatal(err)
			}
			if got := run(t, ctx, chromedp.Text(chromedp.CSS("p.field-error"))); !strings.Contains(got, "percentage from 0 to 100") {
				t.Errorf("field error %q", got)
			}
			shot("rule-error")
			if err := chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#minScore"), "80"),
				chromedp.Click(chromedp.CSS("#rule-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#notice")),
			); err != nil {
				t.Fatal(err)
			}
			if text := run(t, ctx, chromedp.Text(chromedp.CSS("#rules"))); !strings.Contains(text, "course.completed in "+course+" with a score of at least 80") {
				t.Errorf("rules list:\n%s", text)
			}
			shot("rules")

			// The LMS sends two completions: one with a passing score.
			for i, score := range []float64{92.5, 40} {
				body, _ := json.Marshal(map[string]any{"type": "course.completed", "courseId": course, "score": score,
					"recipient":  map[string]any{"email": fmt.Sprintf("learner%d@example.org", i), "name": "Learner"},
					"occurredAt": time.Now().UTC().Format(time.RFC3339), "externalId": fmt.Sprintf("lms-%s-%d", dev.name, i)})
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					t.Fatalf("POST /api/v1/events: %d", res.StatusCode)
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/admin/events"),
				chromedp.WaitVisible(chromedp.CSS("#events")),
			); err != nil {
				t.Fatal(err)
			}
			text := run(t, ctx, chromedp.Text(chromedp.CSS("#events")))
			if !strings.Contains(text, "learner0@example.org") || !strings.Contains(text, "Awarded") || !strings.Contains(text, "Data Analysis Foundations") ||
				!strings.Contains(text, "No rule matched") || !strings.Contains(text, "score 92.5") {
				t.Errorf("events list:\n%s", text)
			}
			shot("events")
			// The award link leads to the award the rule made.
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("#events a[href*='/admin/awards/']")),
				chromedp.WaitVisible(chromedp.CSS("#details")),
			); err != nil {
				t.Fatal(err)
			}
			if text := run(t, ctx, chromedp.Text(chromedp.CSS("body"))); !strings.Contains(text, "learner0@example.org") || !strings.Contains(text, "with 92.5%") {
				t.Errorf("the award page does not show the event's award:\n%s", text)
			}
			shot("event-award")
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/admin/rules"),
				chromedp.WaitVisible(chromedp.CSS("#recent-events")),
			); err != nil {
				t.Fatal(err)
			}
			shot("rules-with-events")
			// Disable the rule, then open its page.
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("#rules tbody tr:last-child form[action$='/enabled'] button")),
				chromedp.WaitVisible(chromedp.CSS("#notice")),
			); err != nil {
				t.Fatal(err)
			}
			if text := run(t, ctx, chromedp.Text(chromedp.CSS("#notice"))); !strings.Contains(text, "disabled") {
				t.Errorf("notice after disabling: %q", text)
			}
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("#rules tbody tr:last-child td a")),
				chromedp.WaitVisible(chromedp.CSS("#rule-form")),
			); err != nil {
				t.Fatal(err)
			}
			if checked := run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("#enabled").checked`)); checked {
				t.Error("the disabled rule's form shows it enabled")
			}
			shot("rule")
			// Log out, for the next device.
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS("header form[action$='/logout'] button")),
				chromedp.WaitVisible(chromedp.CSS("#email")),
			); err != nil {
				t.Fatal(err)
			}
		})
	}
}
