package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/xuri/excelize/v2"
)

type jobAnswer struct {
	ID, State                      string
	Total, Issued, Failed, Skipped int
}

// runJobs issues every pending row, as the background workers would.
func (e *env) runJobs() {
	e.t.Helper()
	for {
		n, err := e.jobs.Step(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func csvBody(s string) rawBody { return rawBody{"text/csv", []byte(s)} }

func TestAwardJobLifecycle(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("jobs"))
	file := "Email, Name ,showName,narrative,evidence URL,externalId,result:grade,creditsEarned\n" +
		"a@example.com,Ann,true,Did it,https://example.org/e/1,ext-1,A,2\n" +
		"not-an-email,Bob,,,,ext-2,,\n" +
		",,,,,,,\n" + // blank: skipped
		"c@example.com,Cy,,=HYPERLINK(\"http://evil\"),,ext-3,,\n" +
		"d@example.com,Di,,,,ext-4,Z,\n" +
		"A@example.com,Ann again,,,,,,\n" +
		"a@example.com,Ann twice,,,,,,\n"
	r := e.do("POST", "/api/v1/award-jobs?achievementId="+f.achievementID, f.org.key, csvBody(file))
	var j jobAnswer
	r.must(t, 202, &j)
	if loc := r.hdr.Get("Location"); loc != "/api/v1/award-jobs/"+j.ID {
		t.Fatalf("Location %q", loc)
	}
	if j.State != "queued" || j.Total != 6 || j.Failed != 3 {
		t.Fatalf("job %+v, want queued, 6 rows, 3 failed at upload (email, formula, duplicate)", j)
	}
	e.runJobs()
	e.do("GET", "/api/v1/award-jobs/"+j.ID, f.org.key, nil).must(t, 200, &j)
	// d@ has an allowed grade? "Z" is not an allowed value, but OB 3.0
	// leaves values unchecked: the row is issued.
	if j.State != "done" || j.Issued != 3 || j.Failed != 3 || j.Skipped != 0 {
		t.Fatalf("job %+v, want done with 3 issued and 3 failed", j)
	}
	var rows struct {
		Items []struct {
			Row             int
			State, Column   string
			Reason, AwardID string
		}
	}
	e.do("GET", "/api/v1/award-jobs/"+j.ID+"/rows?state=failed", f.org.key, nil).must(t, 200, &rows)
	want := map[int]string{3: "email", 5: "narrative", 8: ""}
	if len(rows.Items) != len(want) {
		t.Fatalf("failed rows %+v, want rows 3, 5 and 8", rows.Items)
	}
	for _, it := range rows.Items {
		col, ok := want[it.Row]
		if !ok || it.Column != col || it.State != "failed" || it.Reason == "" {
			t.Errorf("failed row %+v, want row in %v with its column", it, want)
		}
	}
	// Row 2 has an externalId, so only row 7 has the same key as row 8.
	if !strings.Contains(rows.Items[2].Reason, "duplicate of row 7") {
		t.Errorf("row 8: %q, want a duplicate of row 7", rows.Items[2].Reason)
	}
	// Every issued row has its award, once, with the row's key.
	e.do("GET", "/api/v1/award-jobs/"+j.ID+"/rows?state=issued", f.org.key, nil).must(t, 200, &rows)
	for _, it := range rows.Items {
		a, err := e.db.Award(context.Background(), f.org.id, it.AwardID)
		if err != nil || a.IdempotencyKey != jobs.RowKey(j.ID, it.Row) {
			t.Fatalf("row %d: award %v (%v)", it.Row, a, err)
		}
		if it.Row == 2 && (len(a.Results) != 1 || a.Results[0].Value != "A" || a.Recipient.Name != "Ann" || !a.Recipient.ShowName || len(a.Evidence) != 1) {
			t.Errorf("row 2 award: %+v", a)
		}
	}
	// The failed rows as CSV: a formula-looking cell is defused.
	r = e.do("GET", "/api/v1/award-jobs/"+j.ID+"/rows?state=failed", f.org.key, nil, "Accept", "text/csv")
	if r.code != 200 || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", r.code, r.body)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][0] != "row" {
		t.Fatalf("CSV %q (%v)", r.body, err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell %q would run as a formula", cell)
			}
		}
	}
	// Listing, and cancelling a done job.
	var list struct{ Items []jobAnswer }
	e.do("GET", "/api/v1/award-jobs", f.org.key, nil).must(t, 200, &list)
	if len(list.Items) != 2 || list.Items[0].ID != j.ID {
		t.Fatalf("list %+v", list)
	}
	e.do("POST", "/api/v1/award-jobs/"+j.ID+"/cancel", f.org.key, nil).problem(t, 409)
}

func TestAwardJobCancel(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("cancel"))
	e.runJobs() // the fixture's job
	var b strings.Builder
	b.WriteString("did\n")
	for i := range 120 {
		fmt.Fprintf(&b, "did:example:c%d\n", i)
	}
	var j jobAnswer
	e.do("POST", "/api/v1/award-jobs?achievementId="+f.achievementID, f.org.key, csvBody(b.String())).must(t, 202, &j)
	if n, err := e.jobs.Step(context.Background()); err != nil || n != 50 {
		t.Fatalf("first batch: %d rows (%v)", n, err)
	}
	e.do("POST", "/api/v1/award-jobs/"+j.ID+"/cancel", f.org.key, nil).must(t, 200, &j)
	e.runJobs()
	e.do("GET", "/api/v1/award-jobs/"+j.ID, f.org.key, nil).must(t, 200, &j)
	if j.State != "cancelled" || j.Issued != 50 || j.Skipped != 70 {
		t.Fatalf("job %+v, want cancelled, 50 issued, 70 skipped", j)
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id}); n != 52 {
		t.Fatalf("%d awards, want 52 (the fixture's two and 50)", n)
	}
	e.do("POST", "/api/v1/award-jobs/"+j.ID+"/cancel", f.org.key, nil).must(t, 200, &j)
}

func TestAwardJobDryRunIssuesNothing(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("dry"))
	var p struct {
		DryRun               bool
		Total, Valid, Failed int
		Rows                 []struct{ Row int }
		Errors               []struct {
			Row    int
			Column string
		}
	}
	file := "email\nx@example.com\nbad@\ny@example.com\nx@example.com\n"
	e.do("POST", "/api/v1/award-jobs?dryRun=true&achievementId="+f.achievementID, f.org.key, csvBody(file)).must(t, 200, &p)
	if !p.DryRun || p.Total != 4 || p.Valid != 2 || p.Failed != 2 || len(p.Rows) != 2 || len(p.Errors) != 2 ||
		p.Errors[0].Row != 3 || p.Errors[0].Column != "email" || p.Errors[1].Row != 5 {
		t.Fatalf("preview %+v", p)
	}
	var list struct{ Items []jobAnswer }
	e.do("GET", "/api/v1/award-jobs", f.org.key, nil).must(t, 200, &list)
	if len(list.Items) != 1 { // the fixture's
		t.Fatalf("a dry run made a job: %+v", list)
	}
	e.runJobs()
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id}); n != 2 {
		t.Fatalf("%d awards after a dry run, want the fixture's 2 (its award and its job's)", n)
	}
}

func TestAwardJobIdempotentUpload(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("idem"))
	var j1, j2 jobAnswer
	path := "/api/v1/award-jobs?achievementId=" + f.achievementID
	e.do("POST", path, f.org.key, csvBody("email\na@example.com\n"), "Idempotency-Key", "upload-1").must(t, 202, &j1)
	r := e.do("POST", path, f.org.key, csvBody("email\na@example.com\n"), "Idempotency-Key", "upload-1")
	r.must(t, 202, &j2)
	if j1.ID != j2.ID || r.hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry made job %s, want %s replayed", j2.ID, j1.ID)
	}
	var j3 jobAnswer
	e.do("POST", path, f.org.key, csvBody("email\na@example.com\n"), "Idempotency-Key", "upload-2").must(t, 202, &j3)
	if j3.ID == j1.ID {
		t.Fatal("another key gave the same job")
	}
}

func TestAwardJobMultipartAndTenancy(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("mp"))
	other := e.makeFixture(e.newOrg("other"))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "learners.csv")
	fw.Write([]byte("\xEF\xBB\xBFemail,achievementId\nm@example.com," + f.achievementID + "\nn@example.com," + other.achievementID + "\n"))
	mw.Close()
	var j jobAnswer
	e.do("POST", "/api/v1/award-jobs", f.org.key, rawBody{mw.FormDataContentType(), body.Bytes()}).must(t, 202, &j)
	if j.Total != 2 || j.Failed != 1 {
		t.Fatalf("job %+v, want 2 rows, the other org's achievement failed", j)
	}
	for _, path := range []string{"", "/rows"} {
		e.do("GET", "/api/v1/award-jobs/"+j.ID+path, other.org.key, nil).problem(t, 404)
	}
	e.do("POST", "/api/v1/award-jobs/"+j.ID+"/cancel", other.org.key, nil).problem(t, 404)
	viewer := e.keyFor(f.org, cairn.RoleViewer)
	e.do("POST", "/api/v1/award-jobs?achievementId="+f.achievementID, viewer, csvBody("email\nv@example.com\n")).problem(t, 403)
	e.do("GET", "/api/v1/award-jobs/"+j.ID, viewer, nil).must(t, 200, nil)
}

func TestAwardJobBadFiles(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("bad"))
	path := "/api/v1/award-jobs?achievementId=" + f.achievementID
	for _, tc := range []struct {
		name   string
		path   string
		body   rawBody
		status int
		field  string
		detail string
	}{
		{"not CSV or XLSX", path, rawBody{"application/octet-stream", []byte("%PDF-1.7\n\x00\x01binary")}, 422, "file", "neither CSV nor XLSX"},
		{"Latin-1", path, csvBody("email,name\nz@example.com,Jos\xe9\n"), 422, "file", "not UTF-8"},
		{"UTF-16", path, csvBody("\xFF\xFEe\x00m\x00"), 422, "file", "UTF-16"},
		{"unknown column", path, csvBody("email,colour\na@example.com,red\n"), 422, "file", `unknown column "colour"`},
		{"no recipient column", path, csvBody("name\nAnn\n"), 422, "file", "no email or did column"},
		{"header only", path, csvBody("email\n"), 422, "file", "no rows"},
		{"empty", path, csvBody(""), 422, "file", "empty"},
		{"unknown default achievement", "/api/v1/award-jobs?achievementId=nope", csvBody("email\na@example.com\n"), 422, "achievementId", "no such achievement"},
		{"no achievement", "/api/v1/award-jobs", csvBody("email\na@example.com\n"), 422, "achievementId", "achievementId"},
		{"JSON", path, rawBody{"application/json", []byte(`{}`)}, 415, "Content-Type", "text/csv"},
		{"bad dryRun", path + "&dryRun=maybe", csvBody("email\na@example.com\n"), 400, "dryRun", "true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.do("POST", tc.path, f.org.key, tc.body).problem(t, tc.status)
			if p.Field != tc.field || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("problem %+v, want field %q and %q", p, tc.field, tc.detail)
			}
		})
	}
	var list struct{ Items []jobAnswer }
	e.do("GET", "/api/v1/award-jobs", f.org.key, nil).must(t, 200, &list)
	if len(list.Items) != 1 { // the fixture's
		t.Fatalf("rejected files left jobs: %+v", list.Items)
	}
	if n, _ := e.db.CountAwards(context.Background(), cairn.AwardFilter{OrgID: f.org.id}); n != 1 {
		t.Fatalf("%d awards, want the fixture's 1", n)
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "plain": "plain", "": "", "a=b": "a=b"} {
		if got := api.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAwardJobTooLargeAndXLSX(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("large"))
	small := &api.Server{Service: e.svc, Store: e.db, Log: e.srv.Log, Jobs: jobs.New(e.db, e.svc, jobs.Options{MaxUploadBytes: 64 << 10})}
	mux := http.NewServeMux()
	small.Register(mux)
	e.h = mux
	var b strings.Builder
	b.WriteString("email\n")
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, "learner%d@example.com\n", i)
	}
	p := e.do("POST", "/api/v1/award-jobs?achievementId="+f.achievementID, f.org.key, csvBody(b.String())).problem(t, 413)
	if p.Field != "file" || !strings.Contains(p.Detail, "64 KiB") {
		t.Fatalf("problem %+v, want field file naming 64 KiB", p)
	}
	var list struct{ Items []jobAnswer }
	e.do("GET", "/api/v1/award-jobs", f.org.key, nil).must(t, 200, &list)
	if len(list.Items) != 1 { // the fixture's
		t.Fatalf("a rejected upload left a job: %+v", list.Items)
	}

	x := excelize.NewFile()
	for i, row := range [][]any{{"Email", "Result: Grade"}, {"x1@example.com", "A"}, {"x2@example.com", "=HYPERLINK(\"http://evil\")"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		x.SetSheetRow("Sheet1", cell, &row)
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	var j jobAnswer
	e.do("POST", "/api/v1/award-jobs?achievementId="+f.achievementID, f.org.key, rawBody{api.MediaXLSX, buf.Bytes()}).must(t, 202, &j)
	if j.Total != 2 || j.Failed != 1 {
		t.Fatalf("XLSX job %+v, want 2 rows, the formula failed", j)
	}
}
