package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/ltitool"
	"github.com/cairn-badges/cairn/notify/mail"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/sso"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/team"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
	"github.com/cairn-badges/cairn/webhooks"
)

const testBase = "https://badges.example.org"

// env is a Server over a fresh SQLite store in a temporary folder.
type env struct {
	t        testing.TB
	db       *store.DB
	svc      *issuing.Service
	srv      *api.Server
	h        http.Handler
	verifier *verify.Verifier
	logs     *bytes.Buffer
	jobs     *jobs.Service
	remote   *remoteHosts // what the importer may fetch (learner_imports_test.go)
	review   *review.Service
}

func newEnv(t testing.TB) *env {
	t.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	db, svc := testenv.Service(t, testBase, log)
	remote := &remoteHosts{}
	v := verify.New(svc.Fetcher(remote))
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wh := webhooks.New(db, kr, webhooks.Options{CredentialURL: svc.CredentialURL, ChangeType: svc.ChangeType, Log: log})
	db.AwardMessages = wh.AwardMessages
	jb := jobs.New(db, svc, jobs.Options{Log: log, BatchSize: 50})
	wl := wallet.New(db, testBase, wallet.Options{Log: log})
	pf := wallet.NewPortfolio(wl, db, kr, wallet.PortfolioOptions{
		Verify: func(ctx context.Context, c []byte) string { return string(v.Verify(ctx, c).Result) }})
	srv := &api.Server{Service: svc, Store: db, Verifier: v, Log: log, Mail: &mail.Mailer{Store: db, BaseURL: testBase}, Webhooks: wh, Pathways: issuing.NewPathways(svc, db), Jobs: jb,
		SSO:    sso.New(db, kr, sso.Options{BaseURL: testBase, HashPassword: auth.HashPassword, Log: log}),
		Wallet: wl, Portfolio: pf, Team: team.New(db, testBase, team.Options{Log: log})}
	srv.Imports = wallet.NewImporter(db, v, wallet.ImportOptions{Fetcher: remote, Log: log})
	srv.LTI = ltitool.New(db, kr, svc, ltitool.Options{BaseURL: testBase, Log: log})
	// Fixtures apply from one address: the rate limit is tested apart.
	srv.Review = review.New(db, svc, review.Options{Log: log, AnyoneLimiter: auth.NewLimiter(auth.LimiterConfig{Burst: 1000, Every: time.Millisecond})})
	mux := http.NewServeMux()
	srv.Register(mux)
	return &env{t: t, db: db, svc: svc, srv: srv, h: mux, verifier: v, logs: logs, jobs: jb, remote: remote, review: srv.Review}
}

// org is an organization made for a test, with its owner's API key.
type org struct {
	id, ownerID, key, slug string
}

func (e *env) newOrg(slug string) org {
	e.t.Helper()
	key, k := api.NewAPIKey("", "test owner key", cairn.RoleOwner)
	o := &cairn.Organization{Slug: slug, Name: "Org " + slug}
	owner := &cairn.Account{Email: slug + "@example.org", Name: "Owner of " + slug, PasswordHash: "$argon2id$not-a-real-hash"}
	if err := e.db.CreateOrganizationWithOwner(context.Background(), o, owner, k); err != nil {
		e.t.Fatal(err)
	}
	return org{id: o.ID, ownerID: owner.ID, key: key, slug: slug}
}

// keyFor makes another API key of the organization with the role.
func (e *env) keyFor(o org, role cairn.Role) string {
	e.t.Helper()
	key, k := api.NewAPIKey(o.id, string(role)+" key", role)
	if err := e.db.CreateAPIKey(context.Background(), k); err != nil {
		e.t.Fatal(err)
	}
	return key
}

// resp is a recorded response.
type resp struct {
	code int
	hdr  http.Header
	body []byte
}

// rawBody is a request body sent as is, with its content type.
type rawBody struct {
	ctype string
	data  []byte
}

// do sends a request as the holder of key ("" for none). body is nil (no
// body), a rawBody, a string (sent as application/json) or a value to
// marshal as JSON. hdr are extra header name/value pairs.
func (e *env) do(method, path, key string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, ctype = bytes.NewReader(b.data), b.ctype
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req := httptest.NewRequest(method, "https://badges.example.org"+path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return resp{code: rec.Code, hdr: rec.Header(), body: rec.Body.Bytes()}
}

// must checks the status and decodes the JSON body into v (if not nil).
func (r resp) must(t testing.TB, code int, v any) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decoding %s: %v", r.body, err)
		}
	}
}

// problem checks that the response is a problem document with the status
// and returns it.
func (r resp) problem(t testing.TB, code int) api.Problem {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
	if mt, _, _ := mime.ParseMediaType(r.hdr.Get("Content-Type")); mt != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json: %s", r.hdr.Get("Content-Type"), r.body)
	}
	var p api.Problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem %s: %v", r.body, err)
	}
	if p.Status != code || p.Title == "" || p.Type == "" || p.Detail == "" {
		t.Fatalf("incomplete problem: %+v", p)
	}
	return p
}

// fixture is one organization's objects, made through the API.
type fixture struct {
	org           org
	issuerID      string
	imageID       string
	achievementID string
	awardID       string
	keyID         string // an API key other than the owner's
	ruleID        string // a rule for the achievement that needs a score of 90
	eventID       string // an event that matched no rule
	webhookID     string // a webhook endpoint
	ltiRegID      string // a registered learning platform
	ltiCourseID   string // a connected course of it
	deliveryID    string // a delivery to it (a test event, never sent)
	pathwayID     string // a pathway to a second achievement, requiring the first
	recognitionID string
	jobID         string // an award job (queued; the tests run no workers unless they say so)
	invitationID  string // a pending invitation
	applicationID string // a submitted application (anyone with the link) with one file
	appFileID     string // its file
	endorsementID string // set by TestTenancy: an endorsement A gave a third organization
}

// makeFixture creates an issuer, an image, an achievement, an award and an
// extra API key in o through the API.
func (e *env) makeFixture(o org) fixture {
	e.t.Helper()
	f := fixture{org: o}
	var is struct{ ID string }
	e.do("POST", "/api/v1/issuers", o.key, map[string]any{"name": "Issuer of " + o.id, "url": "https://example.org"}).must(e.t, 201, &is)
	f.issuerID = is.ID
	var img struct{ ID string }
	e.do("POST", "/api/v1/images/generate", o.key, map[string]any{"shape": "circle", "title": "Go"}).must(e.t, 201, &img)
	f.imageID = img.ID
	var ach struct{ ID string }
	e.do("POST", "/api/v1/achievements", o.key, achievementBody(f.issuerID, f.imageID)).must(e.t, 201, &ach)
	f.achievementID = ach.ID
	var aw struct{ ID string }
	e.do("POST", "/api/v1/awards", o.key, awardBody(f.achievementID, "learner@example.com")).must(e.t, 201, &aw)
	f.awardID = aw.ID
	var k struct{ ID string }
	e.do("POST", "/api/v1/api-keys", o.key, map[string]any{"name": "ci", "role": "issuer"}).must(e.t, 201, &k)
	f.keyID = k.ID
	var ru struct{ ID string }
	e.do("POST", "/api/v1/rules", o.key, map[string]any{"name": "Distinction", "eventType": "course.completed",
		"courseId": "CS101", "minScore": 90, "achievementId": f.achievementID}).must(e.t, 201, &ru)
	f.ruleID = ru.ID
	var ev struct{ ID, Outcome string }
	e.do("POST", "/api/v1/events", o.key, eventBody("fixture-"+o.slug, "learner@example.com", 50)).must(e.t, 201, &ev)
	if ev.Outcome != "no-match" {
		e.t.Fatalf("fixture event: outcome %q", ev.Outcome)
	}
	f.eventID = ev.ID
	var wh struct{ ID string }
	e.do("POST", "/api/v1/webhooks", o.key, map[string]any{"url": "https://hooks.example.org/" + o.id, "events": []string{"award.issued"}}).must(e.t, 201, &wh)
	f.webhookID = wh.ID
	e.do("POST", "/api/v1/webhooks/"+wh.ID+"/test", o.key, nil).must(e.t, 202, nil)
	var ds struct{ Items []struct{ ID string } }
	e.do("GET", "/api/v1/webhooks/"+wh.ID+"/deliveries", o.key, nil).must(e.t, 200, &ds)
	if len(ds.Items) != 1 {
		e.t.Fatalf("deliveries after a test: %+v", ds)
	}
	f.deliveryID = ds.Items[0].ID
	var lr struct{ ID string }
	e.do("POST", "/api/v1/lti/registrations", o.key, map[string]any{"name": "LMS", "issuer": "https://lms.example.org/" + o.id, "clientId": "c-" + o.id,
		"deploymentIds": []string{"d1"}, "authLoginUrl": "https://lms.example.org/auth", "authTokenUrl": "https://lms.example.org/token",
		"jwksUrl": "https://lms.example.org/jwks"}).must(e.t, 201, &lr)
	f.ltiRegID = lr.ID
	course := &ltitool.Course{ID: "course-" + o.id, OrgID: o.id, RegistrationID: lr.ID, DeploymentID: "d1", ContextID: "ctx-" + o.id, Title: "Course",
		LineItemsURL: "https://lms.example.org/lineitems", Scopes: []string{}, EventType: "lti.score", ConnectedBy: "t", ConnectedAt: time.Now()}
	if err := e.db.PutLTICourse(context.Background(), course); err != nil {
		e.t.Fatal(err)
	}
	f.ltiCourseID = course.ID
	var micro, pw, rec struct{ ID string }
	e.do("POST", "/api/v1/achievements", o.key, achievementBody(f.issuerID, "")).must(e.t, 201, &micro)
	e.do("POST", "/api/v1/pathways", o.key, map[string]any{"name": "Path", "achievementId": micro.ID,
		"rule": map[string]any{"achievement": f.achievementID}}).must(e.t, 201, &pw)
	f.pathwayID = pw.ID
	e.do("POST", "/api/v1/recognitions", o.key, map[string]any{"name": "Prior experience", "credits": 5}).must(e.t, 201, &rec)
	f.recognitionID = rec.ID
	var j struct{ ID string }
	e.do("POST", "/api/v1/award-jobs?achievementId="+f.achievementID, o.key, rawBody{"text/csv", []byte("email\njob@example.com\n")}).must(e.t, 202, &j)
	f.jobID = j.ID
	var inv struct{ ID string }
	e.do("POST", "/api/v1/invitations", o.key, map[string]any{"email": "invited." + o.slug + "@example.org", "role": "viewer"}).must(e.t, 201, &inv)
	f.invitationID = inv.ID
	e.do("PUT", "/api/v1/achievements/"+f.achievementID+"/applications", o.key, map[string]any{"open": true, "anyone": true}).must(e.t, 200, nil)
	app, err := e.review.Submit(context.Background(), f.achievementID, review.Submission{Name: "Applicant of " + o.slug,
		Email: "applicant." + o.slug + "@example.org", Statement: "I did the work.", URLs: []string{"https://example.org/portfolio"},
		Files: []review.Upload{{Name: "report.txt", Data: []byte("My report.\n")}}}, netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		e.t.Fatal(err)
	}
	f.applicationID, f.appFileID = app.ID, app.Files[0].ID
	return f
}

func achievementBody(issuerID, imageID string) map[string]any {
	m := map[string]any{
		"issuerId":          issuerID,
		"name":              "Go Programming",
		"description":       "Writes, tests and ships Go programs.",
		"criteriaNarrative": "Passed the practical exam.",
		"achievementType":   "Certificate",
		"alignment": []map[string]any{{"targetName": "Software engineering", "targetUrl": "https://example.org/skills/se",
			"targetFramework": "ESCO", "targetCode": "se-1"}},
		"resultDescription": []map[string]any{{"name": "Grade", "resultType": "LetterGrade", "allowedValue": []string{"A", "B", "C"}}},
		"creditsAvailable":  3,
		"tag":               []string{"go", "programming"},
		"fieldOfStudy":      "Computer science",
		"inLanguage":        "en",
		"version":           "1.0",
		"validForMonths":    24,
	}
	if imageID != "" {
		m["imageId"] = imageID
	}
	return m
}

// eventBody is a course.completed event of CS101 (score < 0: none).
func eventBody(externalID, email string, score float64) map[string]any {
	m := map[string]any{
		"type":       "course.completed",
		"recipient":  map[string]any{"email": email, "name": "Ada Learner"},
		"courseId":   "CS101",
		"occurredAt": "2025-06-30T12:00:00Z",
		"externalId": externalID,
	}
	if score >= 0 {
		m["score"] = score
	}
	return m
}

func awardBody(achievementID, email string) map[string]any {
	return map[string]any{
		"achievementId": achievementID,
		"recipient":     map[string]any{"email": email, "name": "Ada Learner", "showName": true},
		"narrative":     "Built a web server.",
		"evidence":      []map[string]any{{"id": "https://example.org/evidence/1", "name": "Project", "description": "The server"}},
		"results":       []map[string]any{{"resultDescription": "urn:cairn:result-description:1", "value": "A"}},
		"creditsEarned": 3,
	}
}
