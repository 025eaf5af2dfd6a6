package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
)

// apiCall calls the real server's API with key and decodes the answer
// into out, failing unless the status is want.
func apiCall(t *testing.T, base, key, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserPathwayMap draws the map of a micro-degree made of a
// micro-credential ("any 5 of 6"), a capstone earned within 24 months and
// credits, on a phone and on a desktop, and the achievement page that
// lists the pathways a badge counts toward (CAIRN_SCREENSHOTS=DIR keeps
// the screenshots).
func TestBrowserPathwayMap(t *testing.T) {
	ctx := testenv.Browser(t, 90*time.Second)
	a, stop := boot(t, t.TempDir())
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		apiCall(t, base, fr.APIKey, method, path, body, want, out)
	}
	achievement := func(name, kind string, credits float64) string {
		var ach struct{ ID string }
		body := map[string]any{"issuerId": fr.IssuerID, "name": name, "description": name + ".",
			"criteriaNarrative": "Pass the course.", "achievementType": kind}
		if credits > 0 {
			body["creditsAvailable"] = credits
		}
		call("POST", "/api/v1/achievements", body, 201, &ach)
		return ach.ID
	}
	modules := []string{"Search Engine Optimisation", "Social Media Strategy", "Content Marketing", "Email Campaigns", "Web Analytics", "Paid Advertising"}
	var of []any
	var first string
	for i, m := range modules {
		id := achievement(m, "Course", 5)
		if i == 0 {
			first = id
		}
		r := map[string]any{"achievement": id}
		if i == 4 {
			r["minScore"] = 60
		}
		of = append(of, r)
	}
	micro := achievement("Digital Marketing Practitioner", "MicroCredential", 0)
	var inner, outer, rec struct{ ID string }
	call("POST", "/api/v1/pathways", map[string]any{"name": "Digital Marketing Practitioner", "achievementId": micro, "autoAward": true,
		"description": "Any five of the six modules, in any order.", "rule": map[string]any{"atLeast": 5, "of": of}}, 201, &inner)
	call("POST", "/api/v1/recognitions", map[string]any{"name": "Industry experience", "credits": 5}, 201, &rec)
	capstone := achievement("Marketing Capstone Project", "Assessment", 10)
	ethics := achievement("Marketing Ethics", "Course", 5)
	degree := achievement("Micro-degree in Digital Marketing", "Degree", 0)
	call("POST", "/api/v1/pathways", map[string]any{"name": "Micro-degree in Digital Marketing", "achievementId": degree, "autoAward": true,
		"rule": map[string]any{"all": []any{
			map[string]any{"pathway": inner.ID},
			map[string]any{"achievement": capstone, "within": "P24M", "notExpired": true},
			map[string]any{"credits": 5, "of": []any{map[string]any{"achievement": ethics}, map[string]any{"recognition": rec.ID},
				map[string]any{"external": map[string]any{"issuer": "did:web:partner.example", "achievementName": "Marketing Law"}}}},
		}}}, 201, &outer)

	dir := testenv.ScreenshotDir(t)
	shoot := func(name, url string, w, h int64, wait string) string {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1)),
			chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.CSS(wait)),
		); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		if err != nil {
			t.Fatal(err)
		}
		// Nothing wider than the screen: the map is readable on a phone.
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if width > w {
			t.Errorf("%s: the page is %dpx wide on a %dpx screen", name, width, w)
		}
		return text
	}
	text := shoot("pathway-degree-phone.png", base+"/pathways/"+outer.ID, 390, 844, "#goal")
	for _, want := range []string{"Micro-degree in Digital Marketing", "All of these", "Digital Marketing Practitioner", "complete that pathway",
		"Marketing Capstone Project", "earned within 24 months, still valid", "5 credits from these", "Recognition of prior learning",
		"Marketing Law", "issued by did:web:partner.example", "leads to"} {
		if !strings.Contains(text, want) {
			t.Errorf("the micro-degree's map does not show %q:\n%s", want, text)
		}
	}
	shoot("pathway-degree-desktop.png", base+"/pathways/"+outer.ID, 1280, 900, "#goal")
	text = shoot("pathway-practitioner-phone.png", base+"/pathways/"+inner.ID, 390, 844, "#goal")
	for _, want := range append(modules, "Any 5 of these 6", "score at least 60", "Any five of the six modules") {
		if !strings.Contains(text, want) {
			t.Errorf("the practitioner map does not show %q", want)
		}
	}
	text = shoot("achievement-counts-toward.png", base+"/achievements/"+first, 390, 844, "#pathways")
	for _, want := range []string{"Counts toward", "Digital Marketing Practitioner", "Micro-degree in Digital Marketing"} {
		if !strings.Contains(text, want) {
			t.Errorf("the achievement page does not show %q", want)
		}
	}
}

// TestBrowserAdminPathway: staff log in, build a pathway "any 2 of 3" by
// picking badges and the rule type (a bad rule first: 422 shown on the
// form), see who qualifies today, issue to them in one step (an award job,
// whose awards the pathway records), see the completion counts, and edit
// it (a new version, the form filled in from the current one)
// (CAIRN_SCREENSHOTS=DIR keeps the screenshots).
func TestBrowserAdminPathway(t *testing.T) {
	ctx := testenv.Browser(t, 90*time.Second)
	a, stop := boot(t, t.TempDir())
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	call := func(method, path string, body any, want int, out any) {
		t.Helper()
		apiCall(t, base, fr.APIKey, method, path, body, want, out)
	}
	var badges []string
	for _, name := range []string{"Python Basics", "Data Wrangling", "Statistics", "Data Analyst Certificate"} {
		var ach struct{ ID string }
		call("POST", "/api/v1/achievements", map[string]any{"issuerId": fr.IssuerID, "name": name, "description": name + ".",
			"criteriaNarrative": "Pass.", "achievementType": "Course", "creditsAvailable": 5}, 201, &ach)
		badges = append(badges, ach.ID)
	}
	for i, learner := range []string{"ana@example.org", "ben@example.org", "cat@example.org"} {
		for _, b := range badges[:i+1] { // ana 1 badge, ben 2, cat 3
			call("POST", "/api/v1/awards", map[string]any{"achievementId": b, "recipient": map[string]any{"email": learner}}, 201, nil)
		}
	}
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin/pathways/new"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#pathway-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Data Analyst"),
		chromedp.SetValue(chromedp.CSS("#goal"), badges[3]),
		chromedp.Click(chromedp.CSS(`input[name=kind][value=atLeast]`)),
		chromedp.SendKeys(chromedp.CSS("#count"), "4"), // more than the 3 picked: refused
		chromedp.Click(chromedp.CSS(`input[name=picked][value="`+badges[0]+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name=picked][value="`+badges[1]+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name=picked][value="`+badges[2]+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name=autoAward]`)), // off: issue by hand below
		chromedp.Click(chromedp.CSS("#pathway-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#form-error"); !strings.Contains(got, "rule.atLeast") || !strings.Contains(got, "lists 3") {
		t.Errorf("the form's error: %q", got)
	}
	shot("admin-pathway-error.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#count"), "2"),
		chromedp.Click(chromedp.CSS("#pathway-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#qualifying")),
	); err != nil {
		t.Fatal(err)
	}
	q := text("#qualifying")
	if !strings.Contains(q, "ben@example.org") || !strings.Contains(q, "cat@example.org") || strings.Contains(q, "ana@example.org") {
		t.Errorf("who qualifies: %q", q)
	}
	shot("admin-pathway-preview.png")
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	pathwayID := loc[strings.LastIndexByte(loc, '/')+1:]
	// "Issue to them": one award job of the two who qualify, followed on
	// the job's page.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#issue-all")),
		chromedp.WaitVisible(chromedp.CSS("#progress")),
	); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); text("#job-state") != "done"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the job is %q after 30 s", text("#job-state"))
		}
	}
	if got := text("#job-counts"); !strings.Contains(got, "2 issued") || !strings.Contains(got, "0 failed") || !strings.Contains(got, "of 2 rows") {
		t.Errorf("job counts %q", got)
	}
	if got := text("h1"); !strings.Contains(got, "Data Analyst") || !strings.Contains(got, "the 2 who qualify") {
		t.Errorf("job title %q", got)
	}
	shot("admin-pathway-job.png")
	// The pathway records what the job issued (through the outbox): the
	// completion counts, and each award with its sources.
	ctxb := context.Background()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := a.db.PathwayCompletions(ctxb, fr.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if c[pathwayID][cairn.StateActive] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("completions after the job: %v", c[pathwayID])
		}
	}
	if e, err := a.db.PathwayAward(ctxb, fr.OrgID, pathwayID, "ben@example.org"); err != nil || len(e.Sources) != 2 {
		t.Errorf("ben's pathway award: %+v %v", e, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/pathways/"+pathwayID),
		chromedp.WaitVisible(chromedp.CSS("#completions")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#completions"); !strings.Contains(got, "2\ncompleted") && !strings.Contains(got, "2 completed") && !strings.Contains(got, "2completed") {
		t.Errorf("completions %q", got)
	}
	if got := text("#qualifying"); strings.Contains(got, "not yet awarded") || strings.Contains(got, "Issue to") {
		t.Errorf("after the job, someone is still to be issued: %q", got)
	}
	shot("admin-pathway-issued.png")

	// Edit: the builder comes back filled in; at least 3 makes version 2,
	// for which only cat qualifies; ben keeps what he earned.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#edit")),
		chromedp.WaitVisible(chromedp.CSS("#pathway-form")),
	); err != nil {
		t.Fatal(err)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[document.querySelector("input[name=kind]:checked").value, document.getElementById("count").value, document.querySelectorAll("input[name=picked]:checked").length, document.getElementById("name").value].join("/")`))
	if err != nil {
		t.Fatal(err)
	}
	if checked != "atLeast/2/3/Data Analyst" {
		t.Errorf("the edit form shows %q, want atLeast/2/3/Data Analyst", checked)
	}
	if got := text("#version-note"); !strings.Contains(got, "version 2") {
		t.Errorf("version note %q", got)
	}
	shot("admin-pathway-edit.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#count"), "3"),
		chromedp.Click(chromedp.CSS("#pathway-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(".notice"); !strings.Contains(got, "Saved as version 2") {
		t.Errorf("notice %q", got)
	}
	if got := text("main"); !strings.Contains(got, "version 2") {
		t.Errorf("the pathway page does not say version 2")
	}
	q = text("#qualifying")
	if !strings.Contains(q, "cat@example.org") || strings.Contains(q, "ben@example.org") {
		t.Errorf("who qualifies for version 2: %q", q)
	}
	shot("admin-pathway-v2.png")
	if p, err := a.db.Pathway(ctxb, fr.OrgID, pathwayID); err != nil || p.Version != 2 || p.Rule.AtLeast != 3 {
		t.Errorf("after the edit: %+v %v", p, err)
	}
	if e, err := a.db.PathwayAward(ctxb, fr.OrgID, pathwayID, "ben@example.org"); err != nil || e.Version != 1 {
		t.Errorf("ben's award after the edit: %+v %v", e, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/pathways"), chromedp.WaitVisible(chromedp.CSS("#pathways"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#pathways"); !strings.Contains(got, "Data Analyst") || !strings.Contains(got, "2 active") || !strings.Contains(got, "v2") {
		t.Errorf("the list: %q", got)
	}
	shot("admin-pathways.png")
}
