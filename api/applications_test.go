package api_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/auth"
	"github.com/cairn-badges/cairn/review"
	"github.com/cairn-badges/cairn/store"
)

type appJSON struct {
	ID, State, AchievementID, Comment, AwardID, ReviewedBy string
	Applicant                                              struct {
		Name, Email   string
		EmailVerified bool
		Wallet        bool
	}
	URLs    []string
	Files   []struct{ ID, Name, ContentType, URL string }
	Results []struct{ ResultDescription, Value string }
	History []struct{ State, By, Comment string }
}

// TestApplicationsHappyPath: staff open an achievement, an application
// comes in, staff list it, read its file, return it, (the learner
// resubmits,) approve it with the rubric: the award carries the evidence
// and the result.
func TestApplicationsHappyPath(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("happy"))
	var set struct {
		Open, Anyone bool
		ApplyURL     string
		Instructions string
	}
	e.do("PUT", "/api/v1/achievements/"+f.achievementID+"/applications", f.org.key,
		map[string]any{"open": true, "anyone": false, "instructions": "  Upload your project report.  "}).must(t, 200, &set)
	if !set.Open || set.Anyone || set.Instructions != "Upload your project report." || set.ApplyURL != testBase+"/achievements/"+f.achievementID+"/apply" {
		t.Fatalf("settings %+v", set)
	}

	// The fixture's application (anyone with the link) is listed.
	var page struct {
		Items []appJSON
		Next  *string
	}
	e.do("GET", "/api/v1/applications?state=submitted&achievementId="+f.achievementID, f.org.key, nil).must(t, 200, &page)
	if len(page.Items) != 1 || page.Items[0].ID != f.applicationID || page.Items[0].Applicant.Wallet || page.Next != nil {
		t.Fatalf("list %+v", page)
	}
	var a appJSON
	e.do("GET", "/api/v1/applications/"+f.applicationID, f.org.key, nil).must(t, 200, &a)
	if len(a.Files) != 1 || a.Files[0].ContentType != review.TypeText || !strings.HasSuffix(a.Files[0].URL, "/files/"+f.appFileID) {
		t.Fatalf("application %+v", a)
	}
	r := e.do("GET", "/api/v1/applications/"+f.applicationID+"/files/"+f.appFileID, f.org.key, nil)
	if r.code != 200 || string(r.body) != "My report.\n" || r.hdr.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(r.hdr.Get("Content-Disposition"), "attachment") || r.hdr.Get("Content-Type") != review.TypeText {
		t.Fatalf("file: %d %v %q", r.code, r.hdr, r.body)
	}

	// Return, then reject is refused (not submitted), approve too.
	var d struct {
		Application appJSON
		Award       *struct {
			ID    string
			State string
		}
	}
	e.do("POST", "/api/v1/applications/"+f.applicationID+"/return", f.org.key, map[string]any{"comment": "Add the test results."}).must(t, 200, &d)
	if d.Application.State != "returned" || d.Application.Comment != "Add the test results." || d.Award != nil {
		t.Fatalf("returned %+v", d)
	}
	if p := e.do("POST", "/api/v1/applications/"+f.applicationID+"/approve", f.org.key, map[string]any{}).problem(t, 409); !strings.Contains(p.Detail, "returned") {
		t.Fatalf("approve a returned one: %+v", p)
	}

	// A new application, approved with the rubric.
	app, err := e.review.Submit(context.Background(), f.achievementID, review.Submission{Name: "Ada", Email: "Ada@Example.org",
		Statement: "Built a compiler.", URLs: []string{"https://example.org/ada/compiler"},
		Files: []review.Upload{{Name: "dir/proof.png", Data: pngBytes()}}, Consent: true}, netip.MustParseAddr("192.0.2.9"))
	if cairn.KindOf(err) != cairn.Forbidden {
		t.Fatalf("anyone on a wallet-only achievement: %v", err)
	}
	e.do("PUT", "/api/v1/achievements/"+f.achievementID+"/applications", f.org.key, map[string]any{"open": true, "anyone": true}).must(t, 200, nil)
	app, err = e.review.Submit(context.Background(), f.achievementID, review.Submission{Name: "Ada", Email: "Ada@Example.org",
		Statement: "Built a compiler.", URLs: []string{"https://example.org/ada/compiler"},
		Files: []review.Upload{{Name: "dir/proof.png", Data: pngBytes()}}, Consent: true}, netip.MustParseAddr("192.0.2.9"))
	if err != nil {
		t.Fatal(err)
	}
	if app.Files[0].Name != "proof.png" || app.Email != "ada@example.org" {
		t.Fatalf("submitted %+v", app)
	}
	e.do("POST", "/api/v1/applications/"+app.ID+"/approve", f.org.key, map[string]any{
		"results": []map[string]any{{"resultDescription": "urn:cairn:result-description:1", "value": "A"}}, "comment": "Excellent."}).must(t, 200, &d)
	if d.Application.State != "approved" || d.Award == nil || d.Application.AwardID != d.Award.ID || d.Application.ReviewedBy != "API key test owner key" {
		t.Fatalf("approved %+v", d)
	}
	aw, err := e.db.Award(context.Background(), f.org.id, d.Award.ID)
	if err != nil {
		t.Fatal(err)
	}
	cred := string(aw.CredentialJSON)
	for _, want := range []string{`"https://example.org/ada/compiler"`, `"Built a compiler."`, testBase + "/evidence/" + app.Files[0].ID,
		`"resultDescription":"urn:cairn:result-description:1"`, `"value":"A"`} {
		if !strings.Contains(cred, want) {
			t.Errorf("credential lacks %s:\n%s", want, cred)
		}
	}
	if aw.Recipient.Identity != "ada@example.org" {
		t.Errorf("recipient %+v", aw.Recipient)
	}
	// Approving again is a conflict, not a second award.
	e.do("POST", "/api/v1/applications/"+app.ID+"/approve", f.org.key, map[string]any{
		"results": []map[string]any{{"resultDescription": "urn:cairn:result-description:1", "value": "A"}}}).problem(t, 409)
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id, AchievementID: f.achievementID}); n != 2 {
		t.Fatalf("%d awards, want the fixture's and the approved one", n)
	}
	// The published evidence file is public now; the unconsented one is not.
	if pf, err := e.review.PublicFile(context.Background(), app.Files[0].ID); err != nil || !bytes.Equal(pf.Data, pngBytes()) {
		t.Fatalf("public file: %v", err)
	}
	if _, err := e.review.PublicFile(context.Background(), f.appFileID); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("unapproved file is public: %v", err)
	}
	// Reject with a reason.
	app2, err := e.review.Submit(context.Background(), f.achievementID, review.Submission{Name: "Bob", Email: "bob@example.org",
		Statement: "I would like it."}, netip.MustParseAddr("192.0.2.10"))
	if err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/api/v1/applications/"+app2.ID+"/reject", f.org.key, map[string]any{"reason": "No evidence of the criteria."}).must(t, 200, &d)
	if d.Application.State != "rejected" || len(d.Application.History) != 2 || d.Application.History[1].Comment != "No evidence of the criteria." {
		t.Fatalf("rejected %+v", d.Application)
	}
	// Viewers read but may not decide.
	viewer := e.keyFor(f.org, cairn.RoleViewer)
	e.do("GET", "/api/v1/applications/"+app2.ID, viewer, nil).must(t, 200, nil)
	e.do("POST", "/api/v1/applications/"+app2.ID+"/reject", viewer, map[string]any{"reason": "x"}).problem(t, 403)
	e.do("PUT", "/api/v1/achievements/"+f.achievementID+"/applications", viewer, map[string]any{"open": false}).problem(t, 403)
}

// pngBytes is a PNG signature followed by junk: what Sniff looks at.
func pngBytes() []byte { return append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13) }

// TestApplicationsBadInput: each bad input is a 4xx naming its field.
func TestApplicationsBadInput(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("bad"))
	put := "/api/v1/achievements/" + f.achievementID + "/applications"
	approve := "/api/v1/applications/" + f.applicationID + "/approve"
	rd := "urn:cairn:result-description:1"
	for _, c := range []struct {
		name, path string
		body       any
		code       int
		field      string
	}{
		{"open missing", put, map[string]any{"anyone": true}, 422, "open"},
		{"open not a bool", put, `{"open":"yes"}`, 400, "open"},
		{"unknown member", put, map[string]any{"open": true, "everyone": true}, 400, "everyone"},
		{"instructions too long", put, map[string]any{"open": true, "instructions": strings.Repeat("x", review.MaxInstructionsLen+1)}, 422, "instructions"},
		{"no results", approve, map[string]any{}, 422, "results"},
		{"unknown result description", approve, map[string]any{"results": []map[string]any{{"resultDescription": "urn:x", "value": "A"}}}, 422, "results[0].resultDescription"},
		{"value not allowed", approve, map[string]any{"results": []map[string]any{{"resultDescription": rd, "value": "F"}}}, 422, "results[0].value"},
		{"value empty", approve, map[string]any{"results": []map[string]any{{"resultDescription": rd, "value": " "}}}, 422, "results[0].value"},
		{"result twice", approve, map[string]any{"results": []map[string]any{{"resultDescription": rd, "value": "A"}, {"resultDescription": rd, "value": "B"}}}, 422, "results[1].resultDescription"},
		{"comment required", "/api/v1/applications/" + f.applicationID + "/return", map[string]any{"comment": ""}, 422, "comment"},
		{"reason required", "/api/v1/applications/" + f.applicationID + "/reject", map[string]any{}, 422, "reason"},
		{"bad state filter", "/api/v1/applications?state=pending", nil, 400, "state"},
		{"bad cursor", "/api/v1/applications?cursor=nope", nil, 400, "cursor"},
		{"bad limit", "/api/v1/applications?limit=0", nil, 400, "limit"},
		{"unknown parameter", "/api/v1/applications?status=submitted", nil, 400, "status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			method := "POST"
			switch {
			case strings.HasSuffix(c.path, "/applications") && c.body != nil:
				method = "PUT"
			case c.body == nil:
				method = "GET"
			}
			p := e.do(method, c.path, f.org.key, c.body).problem(t, c.code)
			if p.Field != c.field {
				t.Fatalf("field %q, want %q: %+v", p.Field, c.field, p)
			}
		})
	}
	// The application is still submitted.
	var a appJSON
	e.do("GET", "/api/v1/applications/"+f.applicationID, f.org.key, nil).must(t, 200, &a)
	if a.State != "submitted" {
		t.Fatalf("state %s", a.State)
	}
	e.do("GET", "/api/v1/applications/"+f.applicationID+"/files/nope", f.org.key, nil).problem(t, 404)
	e.do("GET", "/api/v1/applications/no-such", f.org.key, nil).problem(t, 404)
}

// TestApplicationSubmissionChecks: what Submit refuses, each naming its
// field: forbidden file types (by content, whatever the name), too large
// and too many files, bad links, missing name and email, no evidence,
// a second application under review, and the rate limit per address.
func TestApplicationSubmissionChecks(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("subm"))
	svc := review.New(e.db, e.svc, review.Options{AnyoneLimiter: auth.NewLimiter(auth.LimiterConfig{Burst: 3, Every: time.Hour})})
	ctx := context.Background()
	ok := review.Submission{Name: "Cy", Email: "cy@example.org", Statement: "Evidence."}
	addr := netip.MustParseAddr("198.51.100.7")
	n := 0
	next := func() netip.Addr { n++; return netip.AddrFrom4([4]byte{203, 0, 113, byte(n)}) }
	for _, c := range []struct {
		name  string
		edit  func(s *review.Submission)
		field string
	}{
		{"html file", func(s *review.Submission) {
			s.Files = []review.Upload{{Name: "cv.pdf", Data: []byte("<!DOCTYPE html><script>alert(1)</script>")}}
		}, "files[0]"},
		{"svg file", func(s *review.Submission) {
			s.Files = []review.Upload{{Name: "x.png", Data: []byte("<svg onload=alert(1)>")}}
		}, "files[0]"},
		{"zip file", func(s *review.Submission) {
			s.Files = []review.Upload{{Name: "x.txt", Data: []byte("PK\x03\x04\x00\x00")}}
		}, "files[0]"},
		{"exe file", func(s *review.Submission) { s.Files = []review.Upload{{Name: "x.txt", Data: []byte("MZ\x90\x00\x03")}} }, "files[0]"},
		{"too large", func(s *review.Submission) {
			s.Files = []review.Upload{{Name: "ok.txt", Data: []byte("fine")}, {Name: "big.pdf", Data: append([]byte("%PDF-"), make([]byte, review.MaxFileSize)...)}}
		}, "files[1]"},
		{"too large, not read whole", func(s *review.Submission) {
			s.Files = []review.Upload{{Name: "big.pdf", Data: []byte("%PDF-"), Size: review.MaxFileSize + 1}}
		}, "files[0]"},
		{"empty file", func(s *review.Submission) {
			s.Files = []review.Upload{{Name: "e.txt", Data: nil, Size: 0}, {Name: "e2.txt", Size: 0}}
		}, "files[0]"},
		{"too many files", func(s *review.Submission) {
			for range review.MaxFiles + 1 {
				s.Files = append(s.Files, review.Upload{Name: "a.txt", Data: []byte("a")})
			}
		}, "files"},
		{"javascript link", func(s *review.Submission) { s.URLs = []string{"https://ok.example.org", "javascript:alert(1)"} }, "urls[1]"},
		{"ftp link", func(s *review.Submission) { s.URLs = []string{"ftp://files.example.org/x"} }, "urls[0]"},
		{"too many links", func(s *review.Submission) {
			for range review.MaxURLs + 1 {
				s.URLs = append(s.URLs, "https://example.org/")
			}
		}, "urls"},
		{"no name", func(s *review.Submission) { s.Name = " " }, "name"},
		{"no email", func(s *review.Submission) { s.Email = "" }, "email"},
		{"bad email", func(s *review.Submission) { s.Email = "not an address" }, "email"},
		{"no evidence", func(s *review.Submission) { s.Statement = "" }, "evidence"},
		{"statement too long", func(s *review.Submission) { s.Statement = strings.Repeat("x", review.MaxStatementLen+1) }, "statement"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := ok
			c.edit(&s)
			_, err := svc.Submit(ctx, f.achievementID, s, next())
			if cairn.KindOf(err) != cairn.Invalid || cairn.FieldOf(err) != c.field {
				t.Fatalf("%v (field %q), want Invalid on %s", err, cairn.FieldOf(err), c.field)
			}
		})
	}
	// A second application from the fixture's applicant is a conflict.
	s := ok
	s.Email = "applicant.subm@example.org"
	if _, err := svc.Submit(ctx, f.achievementID, s, next()); cairn.KindOf(err) != cairn.Conflict {
		t.Fatalf("second application: %v", err)
	}
	// Closed: not found.
	e.do("PUT", "/api/v1/achievements/"+f.achievementID+"/applications", f.org.key, map[string]any{"open": false}).must(t, 200, nil)
	if _, err := svc.Submit(ctx, f.achievementID, ok, next()); cairn.KindOf(err) != cairn.NotFound {
		t.Fatalf("closed: %v", err)
	}
	e.do("PUT", "/api/v1/achievements/"+f.achievementID+"/applications", f.org.key, map[string]any{"open": true, "anyone": true}).must(t, 200, nil)
	// Rate limit: three from one address, then refused.
	for i := range 4 {
		s := ok
		s.Email = "rate" + string(rune('a'+i)) + "@example.org"
		_, err := svc.Submit(ctx, f.achievementID, s, addr)
		var rl *review.RateLimitError
		switch {
		case i < 3 && err != nil:
			t.Fatalf("submission %d: %v", i, err)
		case i == 3 && !errors.As(err, &rl):
			t.Fatalf("fourth submission: %v, want a rate limit", err)
		case i == 3 && rl.RetryAfter <= 0:
			t.Fatalf("retry after %v", rl.RetryAfter)
		}
	}
	// Listed for the organization, newest first, pages by cursor.
	var page struct {
		Items []appJSON
		Next  *string
	}
	e.do("GET", "/api/v1/applications?limit=2", f.org.key, nil).must(t, 200, &page)
	if len(page.Items) != 2 || page.Next == nil {
		t.Fatalf("page 1: %+v", page)
	}
	first := page.Items[0].ID
	e.do("GET", "/api/v1/applications?limit=2&cursor="+*page.Next, f.org.key, nil).must(t, 200, &page)
	if len(page.Items) != 2 || page.Items[0].ID == first || page.Next != nil {
		t.Fatalf("page 2: %+v", page)
	}
	_ = store.AppSubmitted
}
