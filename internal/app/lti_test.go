package app

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/lti"
	"github.com/cairn-badges/cairn/lti/ltitest"
)

// ltiFixture is a server with an LMS registered (an in-process LTI 1.3
// platform), a course with a line item, and a rule for the course.
type ltiFixture struct {
	a        *App
	base     string
	key      string
	platform *ltitest.Platform
	reg      lti.Registration
	regID    string
}

func (f *ltiFixture) api(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, f.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+f.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func newLTIFixture(t *testing.T) *ltiFixture {
	f := newLTIFixtureUnregistered(t)
	status, body := f.api(t, "POST", "/api/v1/lti/registrations", map[string]any{"name": "Moodle", "issuer": f.reg.Issuer,
		"clientId": f.reg.ClientID, "deploymentIds": f.reg.DeploymentIDs, "authLoginUrl": f.reg.AuthLoginURL,
		"authTokenUrl": f.reg.AuthTokenURL, "jwksUrl": f.reg.JWKSURL})
	if status != 201 {
		t.Fatalf("registering the LMS: %d %s", status, body)
	}
	var reg struct {
		ID   string
		Tool struct{ InitiateLoginURI, TargetLinkURI, JwksURI, Kid string }
	}
	json.Unmarshal(body, &reg)
	if reg.Tool.InitiateLoginURI != f.base+"/lti/login" || reg.Tool.JwksURI != f.base+"/lti/jwks.json" || reg.Tool.Kid == "" {
		t.Fatalf("tool addresses %+v", reg.Tool)
	}
	f.regID = reg.ID
	return f
}

// newLTIFixtureUnregistered is newLTIFixture before the registration.
func newLTIFixtureUnregistered(t *testing.T) *ltiFixture {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true, LTIAllowPrivate: true, LTIPollEvery: time.Hour})
	t.Cleanup(stop)
	f := &ltiFixture{a: a, base: a.BaseURL(), key: a.FirstRun.APIKey, platform: ltitest.New(t)}
	f.reg = f.platform.Registration("cairn-client", "deploy-1")
	f.platform.AllowRedirect(f.base + "/lti/launch")
	f.platform.SetToolJWKS(f.base + "/lti/jwks.json")
	f.platform.AddCourse("ds101", "Data Science 101")
	f.platform.AddUser("teacher-1", "somsri@example.ac.th", "Somsri Instructor", lti.RoleInstructor)
	f.platform.AddUser("learner-1", "Ada@Example.org", "Ada Lovelace", "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner")
	f.platform.AddUser("learner-2", "bob@example.org", "Bob", "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner")
	f.platform.AddLineItem("ds101", "final", "Final exam", 50)
	return f
}

// launch runs a launch as a browser would (ltitest.Platform.Launch) and
// returns the page Cairn ends on.
func (f *ltiFixture) launch(t *testing.T, c *http.Client, user string) (string, string) {
	t.Helper()
	resp, body, err := f.platform.Launch(c, f.reg, f.base+"/lti/login", f.base+"/lti/launch", user, "ds101")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("launch: %v\n%s", err, body)
	}
	return resp.Request.URL.String(), body
}

// The LTI 1.3 path whole, against an in-process platform: the owner
// registers the LMS (API), an instructor launches Cairn from the course
// and connects it, the platform's gradebook has scores, a poll turns them
// into events that a rule makes awards of (80 % and more), a second poll
// makes nothing new, a changed score is a new event, and the learner's
// launch lists the badge. A replayed launch, a forged token and a
// stranger's state are refused with a page naming the check.
func TestLTIEndToEnd(t *testing.T) {
	f := newLTIFixture(t)
	status, body := f.api(t, "POST", "/api/v1/rules", map[string]any{"name": "DS101 passed", "eventType": "lti.score", "courseId": "ds101",
		"minScore": 80, "achievementId": f.a.FirstRun.AchievementID})
	if status != 201 {
		t.Fatalf("rule: %d %s", status, body)
	}

	teacher := browserClient(t)
	pageURL, page := f.launch(t, teacher, "teacher-1")
	if !strings.Contains(page, `id="connect-form"`) || !strings.Contains(page, "Data Science 101") || !strings.Contains(page, "DS101 passed") {
		t.Fatalf("instructor's page:\n%s", page)
	}
	resp, err := teacher.PostForm(pageURL+"/connect", url.Values{"eventType": {"lti.score"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `id="course"`) {
		t.Fatalf("connect: %d %s", resp.StatusCode, b)
	}

	status, body = f.api(t, "GET", "/api/v1/lti/courses", nil)
	var courses struct {
		Items []struct {
			ID, ContextID, EventType string
			LastPoll                 struct{ LineItems, Results, New, Awarded, Waiting int }
			Error                    string
		}
	}
	if json.Unmarshal(body, &courses); status != 200 || len(courses.Items) != 1 || courses.Items[0].ContextID != "ds101" {
		t.Fatalf("courses: %d %s", status, body)
	}
	courseID := courses.Items[0].ID

	f.platform.SetResult("ds101", "final", "learner-1", 45, 50) // 90 %
	f.platform.SetResult("ds101", "final", "learner-2", 30, 50) // 60 %
	poll := func() (n struct{ LineItems, Results, New, Awarded, Waiting int }, errText string) {
		t.Helper()
		status, body := f.api(t, "POST", "/api/v1/lti/courses/"+courseID+"/poll", nil)
		var c struct {
			LastPoll struct{ LineItems, Results, New, Awarded, Waiting int }
			Error    string
		}
		if json.Unmarshal(body, &c); status != 200 {
			t.Fatalf("poll: %d %s", status, body)
		}
		return c.LastPoll, c.Error
	}
	got, errText := poll()
	if errText != "" || got.LineItems != 1 || got.Results != 2 || got.New != 2 || got.Awarded != 1 {
		t.Fatalf("first poll: %+v, error %q", got, errText)
	}
	awards := func(email string) int {
		n, err := f.a.db.CountAwards(t.Context(), cairn.AwardFilter{OrgID: f.a.FirstRun.OrgID, AchievementID: f.a.FirstRun.AchievementID, Recipient: email})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if awards("ada@example.org") != 1 || awards("bob@example.org") != 0 {
		t.Fatalf("awards: ada %d, bob %d; want 1 and 0", awards("ada@example.org"), awards("bob@example.org"))
	}
	if got, _ := poll(); got.New != 0 || got.Awarded != 0 {
		t.Errorf("second poll made something new: %+v", got)
	}
	f.platform.SetResult("ds101", "final", "learner-2", 41, 50) // 82 %: a new event
	if got, _ := poll(); got.New != 1 || got.Awarded != 1 || awards("bob@example.org") != 1 {
		t.Errorf("after Bob's new score: %+v, bob %d awards", got, awards("bob@example.org"))
	}
	if awards("ada@example.org") != 1 {
		t.Errorf("Ada has %d awards after three polls", awards("ada@example.org"))
	}

	ada := browserClient(t)
	adaURL, page := f.launch(t, ada, "learner-1")
	if !strings.Contains(page, `id="badges"`) || !strings.Contains(page, "/credentials/") || strings.Contains(page, `id="connect-form"`) {
		t.Errorf("learner's page:\n%s", page)
	}

	// A launch replayed (the state is single use), and one whose state is
	// not this browser's.
	q := f.platform.LoginParams(f.reg, "learner-1", "ds101", f.base+"/lti/launch")
	resp, _ = ada.Get(f.base + "/lti/login?" + q.Encode())
	authPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{}
	for _, m := range regexp.MustCompile(`name="(id_token|state)" value="([^"]*)"`).FindAllStringSubmatch(string(authPage), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	stranger := browserClient(t)
	for _, tc := range []struct {
		name  string
		c     *http.Client
		form  url.Values
		check string
	}{
		{"another browser", stranger, form, "state"},
		{"forged token", ada, url.Values{"state": form["state"], "id_token": {"eyJhbGciOiJub25lIn0.e30."}}, ""},
		{"replayed", ada, form, "state"},
	} {
		resp, err := tc.c.PostForm(f.base+"/lti/launch", tc.form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), `id="launch-error"`) || (tc.check != "" && !strings.Contains(string(b), "<strong>"+tc.check+"</strong>")) {
			t.Errorf("%s: %d\n%s", tc.name, resp.StatusCode, b)
		}
	}

	// The tool's key set publishes the registration's key, and only public parts.
	resp, _ = http.Get(f.base + "/lti/jwks.json")
	jwks, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(jwks), `"kid"`) || strings.Contains(string(jwks), `"d"`) {
		t.Errorf("jwks: %s", jwks)
	}
	// Every launch page in every language, with no message missing.
	var missing []string
	i18n.Missing = func(l i18n.Lang, key string) { missing = append(missing, string(l)+": "+key) }
	defer func() { i18n.Missing = nil }()
	for _, l := range i18n.Langs {
		for _, pg := range []struct {
			c   *http.Client
			url string
			id  string
		}{{teacher, pageURL, `id="course"`}, {ada, adaURL, `id="badges"`}, {ada, f.base + "/lti/launches/no-such-launch", `id="launch-error"`}} {
			resp, err := pg.c.Get(pg.url + "?lang=" + string(l.Lang))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), `<html lang="`+string(l.Lang)+`">`) || !strings.Contains(string(b), pg.id) {
				t.Errorf("%s %s: %d, not the page in its language", l.Lang, pg.url, resp.StatusCode)
			}
		}
	}
	for _, m := range missing {
		t.Errorf("not translated: %s", m)
	}
	if n := f.platform.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for three polls, want 1 (cached)", n)
	}
}

// Logins are limited per address (each is stored until its launch): after
// the burst, /lti/login answers 429 with Retry-After and a page naming the
// limit, and stores nothing more.
func TestLTILoginRateLimited(t *testing.T) {
	f := newLTIFixture(t)
	q := f.platform.LoginParams(f.reg, "learner-1", "ds101", f.base+"/lti/launch")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var last *http.Response
	var body []byte
	for i := 0; i < 31; i++ {
		resp, err := c.Get(f.base + "/lti/login?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if i < 30 && resp.StatusCode != http.StatusFound {
			t.Fatalf("login %d: %d", i+1, resp.StatusCode)
		}
		last = resp
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "<strong>rate</strong>") {
		t.Errorf("the 31st login: %d, Retry-After %q\n%s", last.StatusCode, last.Header.Get("Retry-After"), body)
	}
}
