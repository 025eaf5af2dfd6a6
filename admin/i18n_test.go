package admin

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/team"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/web"
	"github.com/cairn-badges/cairn/webhooks"
)

// withEveryPage rewires e's handler with the Team, Bulk issue, Webhooks,
// Pathways, single sign-on and applications pages (their services need the env's store, made by newEnv).
func (e *env) withEveryPage(t *testing.T) {
	t.Helper()
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wh := webhooks.New(e.db, kr, webhooks.Options{CredentialURL: e.svc.CredentialURL, ChangeType: e.svc.ChangeType})
	e.h = New(e.svc, Options{Team: team.New(e.db, testBase, team.Options{}), Jobs: jobs.New(e.db, e.svc, jobs.Options{}), Webhooks: wh,
		Pathways: issuing.NewPathways(e.svc, e.db), SSO: sso.New(e.db, kr, sso.Options{BaseURL: testBase, HashPassword: auth.HashPassword}),
		Review: review.New(e.db, e.svc, review.Options{}), LTI: ltitool.New(e.db, kr, e.svc, ltitool.Options{BaseURL: testBase})})
	e.mux = http.NewServeMux()
	e.h.Register(e.mux)
	(&web.Handler{Verifier: verify.New(nil)}).Register(e.mux)
	web.NewPublic(e.svc, web.PublicOptions{Verifier: verify.New(e.svc.Fetcher(nil))}).Register(e.mux)
	(&api.Server{Service: e.svc, Store: e.db}).Register(e.mux)
}

// missingMessages makes every untranslated key a test failure.
func missingMessages(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	i18n.Missing = func(l i18n.Lang, key string) {
		mu.Lock()
		defer mu.Unlock()
		if !seen[string(l)+key] {
			seen[string(l)+key] = true
			t.Errorf("%s lacks %q", l, key)
		}
	}
	t.Cleanup(func() { i18n.Missing = nil })
}

func withLang(path string, l i18n.Lang) string {
	if strings.Contains(path, "?") {
		return path + "&lang=" + string(l)
	}
	return path + "?lang=" + string(l)
}

var inviteLinkRE = regexp.MustCompile(`value="[^"]*/invite/([^"]+)"`)

// Every page of the path "set up the institution, invite a colleague,
// issue" (and the API keys, webhooks, rules, events, pathways, single
// sign-on, applications, mail, endorsements and password reset pages) renders in
// each language with no untranslated message, with its
// <html lang> and a message of the page in that language.
func TestConsoleInEveryLanguage(t *testing.T) {
	missingMessages(t)
	e := newEnv(t, testBase, Options{})
	e.withEveryPage(t)
	aw := e.award(t, "ada@example.org")
	owner := e.client(t)
	owner.mustLogin(ownerEmail)

	// An invitation, a job preview and a job, made once in English.
	res := owner.post("/admin/team/invitations", url.Values{"email": {"new@example.org"}, "role": {"issuer"}})
	m := inviteLinkRE.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no invitation link:\n%s", res.body)
	}
	invite := "/invite/" + m[1]
	// A registered learning platform with a connected, polled course.
	res = owner.post("/admin/lti", url.Values{"name": {"Moodle"}, "issuer": {"https://moodle.example.ac.th"}, "clientId": {"cairn"},
		"deploymentIds": {"1\n2"}, "authLoginUrl": {"https://moodle.example.ac.th/auth"}, "authTokenUrl": {"https://moodle.example.ac.th/token"},
		"jwksUrl": {"https://moodle.example.ac.th/jwks"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("registering a platform: %d\n%s", res.StatusCode, res.body)
	}
	regs, err := e.db.LTIRegistrations(t.Context(), e.org.ID)
	if err != nil || len(regs) != 1 || len(regs[0].DeploymentIDs) != 2 {
		t.Fatalf("registrations %+v, %v", regs, err)
	}
	course := &ltitool.Course{ID: "c-1", OrgID: e.org.ID, RegistrationID: regs[0].ID, DeploymentID: "1", ContextID: "ds101", Title: "Data Science 101",
		LineItemsURL: "https://moodle.example.ac.th/li", Scopes: []string{}, EventType: "lti.score", ConnectedBy: "Somsri", ConnectedAt: time.Now()}
	if err := e.db.PutLTICourse(t.Context(), course); err != nil {
		t.Fatal(err)
	}
	if err := e.db.FinishLTIPoll(t.Context(), course.ID, time.Now(), ltitool.PollSummary{LineItems: 2, Results: 30, New: 3, Awarded: 2, Waiting: 1}, ""); err != nil {
		t.Fatal(err)
	}
	csv := []byte("email,name\nbea@example.org,Bea\nnot-an-email,Cy\n")
	preview := owner.postMultipart("/admin/award-jobs", url.Values{"achievement": {e.ach.ID}}, "learners.csv", csv)
	tok := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(preview.body)
	if preview.StatusCode != 200 || tok == nil {
		t.Fatalf("preview: %d\n%s", preview.StatusCode, preview.body)
	}
	res = owner.post("/admin/award-jobs/start", url.Values{"token": {tok[1]}, "fileName": {"learners.csv"}, "achievement": {e.ach.ID}})
	job := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(job, "/admin/award-jobs/") {
		t.Fatalf("start: %d %q\n%s", res.StatusCode, job, res.body)
	}

	res = owner.post("/admin/rules", url.Values{"name": {"Finished CS101"}, "eventType": {"course.completed"}, "courseId": {"CS101"},
		"achievement": {e.ach.ID}, "enabled": {"on"}})
	rule := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rule: %d\n%s", res.StatusCode, res.body)
	}
	rules, err := e.db.Rules(t.Context(), e.org.ID)
	if err != nil || len(rules) != 1 {
		t.Fatalf("rules: %v %v (redirected to %s)", rules, err, rule)
	}

	pages := []struct {
		path, key string // the page, and a message it shows
		status    int
	}{
		{"/admin", "Recent awards", 200},
		{"/admin/settings", "Default language", 200},
		{"/admin/issuers", "New issuer profile", 200},
		{"/admin/issuers/new", "Postal address", 200},
		{"/admin/issuers/" + e.issuer.ID, "Rotate the signing keys", 200},
		{"/admin/achievements/new", "Skills and standards", 200},
		{"/admin/achievements/" + e.ach.ID, "PDF certificate", 200},
		{"/admin/awards", "Filter", 200},
		{"/admin/awards?state=active", "Active", 200},
		{"/admin/awards/new", "Issue badge", 200},
		{"/admin/awards/" + aw.ID, "Change its status", 200},
		{"/admin/awards/" + aw.ID + "?done=suspend", "The award is suspended. Its status list says so; reinstate it to lift the suspension.", 200},
		{"/admin/team", "Invite a colleague", 200},
		{"/admin/award-jobs", "Past jobs", 200},
		{job, "Cancel the job", 200},
		{"/admin/api-keys", "Create key", 200},
		{"/admin/webhooks", "Add an endpoint", 200},
		{"/admin/rules", "Issuing rules", 200},
		{"/admin/rules?done=created", "The rule is created: events that match it from now on earn its achievement.", 200},
		{"/admin/rules/" + rules[0].ID, "Event type", 200},
		{"/admin/events", "Outcome", 200},
		{"/admin/pathways", "New pathway", 200},
		{"/admin/pathways/new", "Or the rule as JSON", 200},
		{"/admin/sso", "Allowed email domains", 200},
		{"/admin/lti", "Register a platform", 200},
		{"/admin/lti?done=create", "The platform is registered. Give it the tool's addresses below.", 200},
		{"/admin/lti?done=pollfailed", "The course's gradebook could not be read: its row says why.", 200},
		{"/admin/applications", "All applications", 200},
		{"/admin/mail", "Recent mail", 200},
		{"/admin/mail?kind=reminder", "Expiry reminder template", 200},
		{"/admin/mail?done=save", "The template is saved: mail from now on uses it.", 200},
		{"/admin/endorsements", "Sign the endorsement", 200},
		{"/admin/endorsements?done=endorsed", "The endorsement is signed. The endorsed page lists it, with a link to verify it.", 200},
		{"/admin/no-such-page", "There is nothing here, or it belongs to another organization.", 404},
	}
	for _, l := range i18n.Langs {
		p := i18n.For(l.Lang)
		check := func(path, key string, status int, res *response) {
			t.Helper()
			if res.StatusCode != status {
				t.Errorf("%s %s: %d, want %d", l.Lang, path, res.StatusCode, status)
			}
			if !strings.Contains(res.body, `<html lang="`+string(l.Lang)+`">`) {
				t.Errorf("%s %s: no <html lang>", l.Lang, path)
			}
			if want := html.EscapeString(p.T(key)); !strings.Contains(res.body, want) {
				t.Errorf("%s %s: no %q", l.Lang, path, want)
			}
		}
		for _, pg := range pages {
			check(pg.path, pg.key, pg.status, owner.get(withLang(pg.path, l.Lang)))
		}
		// The preview is the answer to the upload.
		preview := owner.postMultipart(withLang("/admin/award-jobs", l.Lang), url.Values{"achievement": {e.ach.ID}}, "learners.csv", csv)
		check("preview", "Rows with errors", 200, preview)
		// The pages without a session: login and the invitation.
		anon := e.client(t)
		check("/login", "Forgot your password?", 200, anon.get(withLang("/login", l.Lang)))
		check(invite, "Create my account and join", 200, anon.get(withLang(invite, l.Lang)))
		check("/password-reset", "Send me a link", 200, anon.get(withLang("/password-reset", l.Lang)))
		check("/password-reset/bad", "This link cannot be used", http.StatusGone, anon.get(withLang("/password-reset/bad", l.Lang)))
	}
}

// The console speaks the organization's default language until the user
// picks another with the switcher, which a cookie keeps.
func TestConsoleLanguageFallback(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	e.org.DefaultLanguage = "th"
	if err := e.db.UpdateOrganization(t.Context(), e.org); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	c.mustLogin(ownerEmail)
	if res := c.get("/admin"); !strings.Contains(res.body, `<html lang="th">`) || !strings.Contains(res.body, "แดชบอร์ด") {
		t.Errorf("organization default: not Thai\n%s", res.body)
	}
	if res := c.get("/admin?lang=ko"); !strings.Contains(res.body, `<html lang="ko">`) || !strings.Contains(res.body, "대시보드") {
		t.Errorf("switched: not Korean\n%s", res.body)
	}
	if res := c.get("/admin/awards"); !strings.Contains(res.body, `<html lang="ko">`) {
		t.Errorf("the switch did not stick")
	}
}

// The console's switcher keeps the page's query (a list's filters), as
// the wallet's does.
func TestConsoleSwitcherKeepsQuery(t *testing.T) {
	e := newEnv(t, testBase, Options{})
	c := e.client(t)
	c.mustLogin(ownerEmail)
	res := c.get("/admin/awards?state=revoked")
	if !strings.Contains(res.body, `href="?lang=th&amp;state=revoked"`) {
		t.Errorf("the switcher drops the filter:\n%s", res.body[strings.LastIndex(res.body, `id="languages"`):])
	}
}
