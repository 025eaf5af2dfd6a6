package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn"
)

// TestBadInput sends malformed, mistyped, oversized and misdirected
// requests: each gets the right 4xx as a problem document naming the field
// or the place, and nothing is stored.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	f := e.makeFixture(e.newOrg("bad"))
	key := f.org.key
	ach := f.achievementID
	ok := fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":"x@example.com"}`, ach) // + members + "}"
	big := `{"achievementId":"` + strings.Repeat("a", 1<<20) + `"}`
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("other", "x")
	mw.Close()

	for _, tc := range []struct {
		name         string
		method, path string
		body         any
		code         int
		field        string // the problem's field
		detail       string // a substring of its detail
	}{
		{"syntax", "POST", "/api/v1/awards", `{"achievementId": }`, 400, "", "line 1, column 19"},
		{"syntax on line 3", "POST", "/api/v1/awards", "{\n  \"achievementId\": \"x\",\n  \"narrative\": 'single'\n}", 400, "", "line 3, column 16"},
		{"truncated", "POST", "/api/v1/awards", `{"achievementId": "x"`, 400, "", "unexpected end"},
		{"empty body", "POST", "/api/v1/awards", "", 400, "", "empty"},
		{"array body", "POST", "/api/v1/awards", `[1,2]`, 400, "", "JSON object"},
		{"trailing data", "POST", "/api/v1/awards", ok + `} {}`, 400, "", "after the JSON object"},
		{"string for object", "POST", "/api/v1/awards", `{"recipient":"x@example.com"}`, 400, "recipient", "expected object, got string"},
		{"number for string", "POST", "/api/v1/awards", `{"recipient":{"email":5}}`, 400, "recipient.email", "recipient.email: expected string, got number"},
		{"bool for string", "POST", "/api/v1/awards", `{"achievementId":true}`, 400, "achievementId", "expected string, got boolean"},
		{"string for number", "POST", "/api/v1/awards", ok + `,"creditsEarned":"3"}`, 400, "creditsEarned", "expected number, got string"},
		{"string for array", "POST", "/api/v1/awards", ok + `,"formats":"di"}`, 400, "formats", "expected array, got string"},
		{"nested in array", "POST", "/api/v1/awards", ok + `,"evidence":[{"name":"a"},{"id":5}]}`, 400, "evidence[1].id", "expected string, got number"},
		{"bad date", "POST", "/api/v1/awards", ok + `,"activityStartDate":"yesterday"}`, 400, "activityStartDate", "RFC 3339"},
		{"unknown field", "POST", "/api/v1/awards", ok + `,"colour":"blue"}`, 400, "colour", "unknown field"},
		{"field case", "POST", "/api/v1/awards", `{"AchievementId":"x"}`, 400, "AchievementId", "unknown field"},
		{"unknown nested field", "POST", "/api/v1/awards", `{"recipient":{"emial":"x@example.com"}}`, 400, "recipient.emial", "unknown field"},
		{"duplicate field", "POST", "/api/v1/awards", ok + `,"narrative":"a","narrative":"b"}`, 400, "narrative", "twice"},
		{"NUL in an ID", "POST", "/api/v1/awards", `{"achievementId":"a\u0000"}`, 400, "achievementId", "NUL"},
		{"NUL in an extension", "POST", "/api/v1/awards", ok + `,"evidence":[{"name":"n","x":"\u0000"}]}`, 400, "evidence[0].x", "NUL"},
		{"int overflow", "POST", "/api/v1/achievements", `{"validForMonths":1e100}`, 400, "validForMonths", "integer"},
		{"fraction for int", "POST", "/api/v1/achievements", `{"validForMonths":1.5}`, 400, "validForMonths", "integer"},
		{"float overflow", "POST", "/api/v1/awards", ok + `,"creditsEarned":1e999}`, 400, "creditsEarned", "out of range"},
		{"too large", "POST", "/api/v1/awards", big, 413, "", "1 MiB"},
		{"text/plain", "POST", "/api/v1/awards", rawBody{"text/plain", []byte(ok + "}")}, 415, "Content-Type", "application/json"},
		{"no content type", "POST", "/api/v1/awards", rawBody{"", []byte(ok + "}")}, 415, "Content-Type", "application/json"},
		{"latin1", "POST", "/api/v1/awards", rawBody{"application/json; charset=latin1", []byte(ok + "}")}, 415, "Content-Type", "UTF-8"},
		{"form post", "POST", "/api/v1/issuers", rawBody{"application/x-www-form-urlencoded", []byte("name=x")}, 415, "Content-Type", ""},

		{"missing recipient", "POST", "/api/v1/awards", fmt.Sprintf(`{"achievementId":%q}`, ach), 422, "recipient", ""},
		{"missing achievement", "POST", "/api/v1/awards", `{"recipient":{"email":"x@example.com"}}`, 422, "achievementId", "required"},
		{"unknown achievement", "POST", "/api/v1/awards", `{"achievementId":"nope","recipient":{"email":"x@example.com"}}`, 422, "achievementId", "no such"},
		{"bad email", "POST", "/api/v1/awards", fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":"not an email"}}`, ach), 422, "recipient.email", ""},
		{"bad format", "POST", "/api/v1/awards", ok + `,"formats":["pdf"]}`, 422, "formats", ""},
		{"bad evidence URL", "POST", "/api/v1/awards", ok + `,"evidence":[{"id":"javascript:alert(1)"}]}`, 422, "evidence[0].id", ""},
		{"issuer without name", "POST", "/api/v1/issuers", `{"url":"https://example.org"}`, 422, "name", ""},
		{"issuer name cleared", "PATCH", "/api/v1/issuers/" + f.issuerID, `{"name":null}`, 422, "name", ""},
		{"patch unknown field", "PATCH", "/api/v1/issuers/" + f.issuerID, `{"nmae":"x"}`, 400, "nmae", "unknown field"},
		{"issuer LinkedIn person", "PATCH", "/api/v1/issuers/" + f.issuerID, `{"linkedinOrganizationId":"https://linkedin.com/in/bob"}`, 422, "linkedinOrganizationId", "linkedin.com/company/NUMBER"},
		{"issuer country code", "PATCH", "/api/v1/issuers/" + f.issuerID, `{"address":{"addressCountryCode":"Thailand"}}`, 422, "address.addressCountryCode", "two-letter"},
		{"issuer address field", "PATCH", "/api/v1/issuers/" + f.issuerID, `{"address":{"city":"Bangkok"}}`, 400, "address.city", "unknown field"},
		{"issuer phone letters", "PATCH", "/api/v1/issuers/" + f.issuerID, `{"phone":"call us"}`, 422, "phone", ""},
		{"bad achievement type", "POST", "/api/v1/achievements", `{"issuerId":"x","name":"n","description":"d","criteriaNarrative":"c","achievementType":"Trophy"}`, 422, "achievementType", ""},
		{"renew bad date", "POST", "/api/v1/awards/" + f.awardID + "/renew", `{"validUntil":"soon"}`, 400, "validUntil", "RFC 3339"},
		{"renew in the past", "POST", "/api/v1/awards/" + f.awardID + "/renew", `{"validUntil":"2001-01-01T00:00:00Z"}`, 422, "validUntil", "past"},
		{"reason too long", "POST", "/api/v1/awards/" + f.awardID + "/suspend", `{"reason":"` + strings.Repeat("r", 1001) + `"}`, 422, "reason", ""},
		{"reason wrong type", "POST", "/api/v1/awards/" + f.awardID + "/revoke", `{"reason":1}`, 400, "reason", "expected string"},
		{"reissue with fields", "POST", "/api/v1/awards/" + f.awardID + "/reissue", `{"validFrom":"2030-01-01T00:00:00Z"}`, 400, "validFrom", "unknown field"},

		{"image too large", "POST", "/api/v1/images", rawBody{"image/png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 2<<20)...)}, 413, "", "2 MiB"},
		{"image wrong type", "POST", "/api/v1/images", rawBody{"image/gif", []byte("GIF89a")}, 415, "Content-Type", "image/png"},
		{"image garbage", "POST", "/api/v1/images", rawBody{"image/png", []byte("\x89PNG\r\n\x1a\nnot really")}, 422, "file", ""},
		{"image lies", "POST", "/api/v1/images", rawBody{"image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)}, 422, "file", ""},
		{"svg entities", "POST", "/api/v1/images", rawBody{"image/svg+xml", []byte(`<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`)}, 422, "file", ""},
		{"image empty", "POST", "/api/v1/images", rawBody{"image/svg+xml", nil}, 400, "", "empty"},
		{"multipart without file", "POST", "/api/v1/images", rawBody{mw.FormDataContentType(), form.Bytes()}, 400, "file", ""},
		{"design shape", "POST", "/api/v1/images/generate", `{"shape":"blob"}`, 422, "shape", "blob"},
		{"design colour", "POST", "/api/v1/images/generate", `{"primary":"red"}`, 422, "primary", ""},
		{"design format", "POST", "/api/v1/images/generate", `{"format":"gif"}`, 422, "format", ""},
		{"design size", "POST", "/api/v1/images/generate", `{"format":"png","size":100000}`, 422, "size", ""},

		{"bad id", "GET", "/api/v1/awards/..%2f..%2fetc", nil, 404, "", ""},
		{"nul id", "GET", "/api/v1/awards/%00", nil, 404, "", ""},
		{"long id", "GET", "/api/v1/achievements/" + strings.Repeat("a", 500), nil, 404, "", ""},
		{"unknown id", "POST", "/api/v1/awards/00000000-0000-0000-0000-000000000000/revoke", nil, 404, "", ""},
		{"no such endpoint", "GET", "/api/v1/badges", nil, 404, "", "openapi.json"},
		{"wrong method", "DELETE", "/api/v1/awards", nil, 405, "", "GET, HEAD, POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.countAll(f.org.id)
			p := e.do(tc.method, tc.path, key, tc.body).problem(t, tc.code)
			if p.Field != tc.field || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("problem %+v, want field %q and detail with %q", p, tc.field, tc.detail)
			}
			if after := e.countAll(f.org.id); after != before {
				t.Fatalf("a failed request changed the data: %v → %v", before, after)
			}
		})
	}
	r := e.do("DELETE", "/api/v1/awards", key, nil)
	if r.hdr.Get("Allow") != "GET, HEAD, POST" {
		t.Fatalf("Allow %q", r.hdr.Get("Allow"))
	}
}

// countAll counts an organization's objects.
func (e *env) countAll(orgID string) string {
	e.t.Helper()
	ctx := e.t.Context()
	is, err1 := e.db.Issuers(ctx, orgID)
	as, err2 := e.db.Achievements(ctx, orgID, "")
	n, err3 := e.db.CountAwards(ctx, cairn.AwardFilter{OrgID: orgID})
	ks, err4 := e.db.APIKeys(ctx, orgID)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%d issuers, %d achievements, %d awards, %d keys", len(is), len(as), n, len(ks))
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
