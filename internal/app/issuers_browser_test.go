package app

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/internal/testenv"
)

// TestBrowserIssuerSetup: an owner sets up the institution's issuer
// profile in the staff pages (name, website, LinkedIn page, address, logo
// upload), sees a mistake named next to its field, and the public issuer
// page then shows the profile and the badges offered, without API hints;
// the credential page's LinkedIn link carries the company id.
func TestBrowserIssuerSetup(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	logo, err := badgeimg.Design{Title: "TAU", Shape: badgeimg.Circle, Primary: "#4e008e", Secondary: "#ffffff"}.PNG(256)
	if err != nil {
		t.Fatal(err)
	}
	logoFile := filepath.Join(t.TempDir(), "tau-logo.png")
	if err := os.WriteFile(logoFile, logo, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin/issuers"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#issuers")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#issuers"); !strings.Contains(got, "My Organization") {
		t.Fatalf("issuer list: %q", got)
	}
	shot("issuers-list.png")

	// A LinkedIn id that is not one: the form says so next to the field
	// and keeps what was typed.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#issuers a[href*='/admin/issuers/']")),
		chromedp.WaitVisible(chromedp.CSS("#issuer-form")),
		chromedp.SetValue(chromedp.CSS("#name"), "Tampere University"),
		chromedp.SetValue(chromedp.CSS("#description"), "A multidisciplinary university in Finland, issuing micro-credentials and micro-degrees."),
		chromedp.SetValue(chromedp.CSS("#url"), "https://www.tuni.fi/en"),
		chromedp.SetValue(chromedp.CSS("#email"), "microcredentials@tuni.fi"),
		chromedp.SetValue(chromedp.CSS("#linkedin"), "linkedin.com/in/someone"),
		chromedp.SetValue(chromedp.CSS("#street"), "Kalevantie 4"),
		chromedp.SetValue(chromedp.CSS("#postalCode"), "33100"),
		chromedp.SetValue(chromedp.CSS("#locality"), "Tampere"),
		chromedp.SetValue(chromedp.CSS("#country"), "Finland"),
		chromedp.SetValue(chromedp.CSS("#countryCode"), "fi"),
		chromedp.SetUploadFiles(chromedp.CSS("#logo"), []string{logoFile}),
		chromedp.Click(chromedp.CSS("#issuer-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(".field-error"); !strings.Contains(got, "linkedin.com/company/NUMBER") {
		t.Errorf("LinkedIn error: %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#street"))); got != "Kalevantie 4" {
		t.Errorf("the form lost the street: %q", got)
	}
	shot("issuer-form-error.png")

	// The LinkedIn admin URL as copied from the browser: the id is taken
	// from it. The logo must be chosen again (browsers never refill files).
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#linkedin"), "https://www.linkedin.com/company/1234567/admin/"),
		chromedp.SetUploadFiles(chromedp.CSS("#logo"), []string{logoFile}),
		chromedp.Click(chromedp.CSS("#issuer-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("#notice"); !strings.Contains(got, "saved") {
		t.Errorf("notice: %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#linkedin"))); got != "1234567" {
		t.Errorf("LinkedIn id kept as %q", got)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#countryCode"))); got != "FI" {
		t.Errorf("country code kept as %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("img.current").length`)); n != 1 {
		t.Errorf("no current logo shown after the upload")
	}
	shot("issuer-form-saved.png")

	// The public page, as an employer sees it, on a phone.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/issuers/"+fr.IssuerID),
		chromedp.WaitVisible(chromedp.CSS("#offered")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text("h1"); got != "Tampere University" {
		t.Errorf("public page title %q", got)
	}
	contact := text("#contact")
	for _, want := range []string{"https://www.tuni.fi/en", "microcredentials@tuni.fi", "Kalevantie 4", "33100 Tampere", "Finland", "Tampere University on LinkedIn"} {
		if !strings.Contains(contact, want) {
			t.Errorf("contact lacks %q: %q", want, contact)
		}
	}
	if got := text("#offered"); !strings.Contains(got, "Cairn Explorer") || !strings.Contains(got, "1 holder") {
		t.Errorf("offered: %q", got)
	}
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, hint := range []string{"/api/v1", "application/ld+json", "PATCH", "POST "} {
		if strings.Contains(body, hint) {
			t.Errorf("the public page shows the API hint %q", hint)
		}
	}
	shot("issuer-public-phone.png")

	// The profile as JSON carries the address; credentials stay lean.
	req, _ := http.NewRequest("GET", base+"/issuers/"+fr.IssuerID, nil)
	req.Header.Set("Accept", "application/ld+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(data), `"addressLocality":"Tampere"`) || !strings.Contains(string(data), `"addressCountryCode":"FI"`) {
		t.Errorf("profile JSON: %s", data)
	}

	// A credential's page (re-rendered: the profile changed) sends the
	// company id to LinkedIn.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/credentials/"+fr.AwardID), chromedp.WaitVisible(chromedp.CSS("a.linkedin"))); err != nil {
			t.Fatal(err)
		}
		href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("a.linkedin").href`))
		if strings.Contains(href, "organizationId=1234567") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("LinkedIn link without the company id: %s", href)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestBrowserAchievementDetails: the achievement form covers what the API
// has: skills with framework and code, results recorded, credits,
// language, version, field of study; a bad skill URL is named at its row;
// "More rows" adds rows without saving; the public page shows it all.
func TestBrowserAchievementDetails(t *testing.T) {
	ctx := testenv.Browser(t, 120*time.Second)
	a, stop := bootWith(t, Config{})
	defer stop()
	base, fr := a.BaseURL(), a.FirstRun
	shot := func(name string) { t.Helper(); screenshot(t, ctx, name) }
	text := func(sel string) string { t.Helper(); return pageText(t, ctx, sel) }
	count := func(sel string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)),
		chromedp.Navigate(base+"/admin/achievements/new"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), fr.OwnerEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), fr.OwnerPassword),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#achievement-form")),
	); err != nil {
		t.Fatal(err)
	}
	if n := count("#alignments .rowgroup"); n != blankRowsForTest {
		t.Errorf("%d blank skill rows on a new form", n)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#name"), "Data Analysis with Python"),
		chromedp.SetValue(chromedp.CSS("#description"), "Cleans, analyses and visualises data with Python."),
		chromedp.SetValue(chromedp.CSS("#criteria"), "Pass the final project with grade C or better."),
		chromedp.SetValue(chromedp.CSS("#type"), "MicroCredential"),
		chromedp.SetValue(chromedp.CSS("#credits"), "2,5"),
		chromedp.SetValue(chromedp.CSS("#fieldOfStudy"), "Data science"),
		chromedp.SetValue(chromedp.CSS("#language"), "th"),
		chromedp.SetValue(chromedp.CSS("#version"), "2026"),
		chromedp.SetValue(chromedp.CSS("#alignName0"), "Analyse data"),
		chromedp.SetValue(chromedp.CSS("#alignUrl0"), "http://data.europa.eu/esco/skill/analyse-data"),
		chromedp.SetValue(chromedp.CSS("#alignFramework0"), "ESCO"),
		chromedp.SetValue(chromedp.CSS("#alignCode0"), "S2.7.1"),
		chromedp.SetValue(chromedp.CSS("#alignName1"), "Visualise data"),
		chromedp.SetValue(chromedp.CSS("#alignUrl1"), "javascript:alert(1)"),
		chromedp.SetValue(chromedp.CSS("#resultName0"), "Final grade"),
		chromedp.SetValue(chromedp.CSS("#resultType0"), "LetterGrade"),
		chromedp.SetValue(chromedp.CSS("#resultAllowed0"), "A, B, C, D, F"),
		chromedp.SetValue(chromedp.CSS("#resultRequired0"), "C"),
		chromedp.Click(chromedp.CSS("#more-rows")),
		chromedp.WaitVisible(chromedp.CSS("#alignName4")),
	); err != nil {
		t.Fatal(err)
	}
	if n := count("#alignments .rowgroup"); n != 2+blankRowsForTest+3 {
		t.Errorf("%d skill rows after More rows, want %d", n, 2+blankRowsForTest+3)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#resultRequired0"))); got != "C" {
		t.Errorf("More rows lost a result: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#achievement-form .actionsbar button:first-child")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	); err != nil {
		t.Fatal(err)
	}
	if n := count("#alignUrl1.invalid"); n != 1 {
		t.Errorf("the bad skill URL is not marked at its row")
	}
	shot("achievement-details-error.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#alignUrl1"), "http://data.europa.eu/esco/skill/visualise-data"),
		chromedp.Click(chromedp.CSS("#achievement-form .actionsbar button:first-child")),
		chromedp.WaitVisible(chromedp.CSS("#notice")),
	); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#credits"))); got != "2.5" {
		t.Errorf("credits kept as %q", got)
	}
	shot("achievement-details-saved.png")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("a[href*='/achievements/']:not([href*='/admin/'])").href`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS("#criteria"))); err != nil {
		t.Fatal(err)
	}
	body := text("main")
	for _, want := range []string{"Analyse data", "ESCO S2.7.1", "Visualise data", "Final grade (required: C)", "2.5", "Data science", "2026"} {
		if !strings.Contains(body, want) {
			t.Errorf("public achievement page lacks %q", want)
		}
	}
	shot("achievement-details-public.png")
}

// blankRowsForTest is the admin form's number of blank rows.
const blankRowsForTest = 2
