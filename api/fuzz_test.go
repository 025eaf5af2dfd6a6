package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/verify"
)

// awardSeeds are award bodies, good and bad, for the award fuzz targets:
// each bad one was a 500 once (an IRI the JSON-LD layer refuses when it
// signs, a DID that is not one, invalid UTF-8, an extension that no
// context defines, a value the OB 3.0 schema refuses).
func awardSeeds(achID string) []string {
	good, _ := json.Marshal(awardBody(achID, "fuzz@example.com"))
	base := fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":"x@example.com"},`, achID)
	return []string{
		string(good),
		`{"achievementId":"` + achID + `","recipient":{"did":"did:example:1"},"formats":["jwt"]}`,
		`{"achievementId":"` + achID + `","recipient":{"did":"did:example:a\"<b>"}}`,
		`{"achievementId":"` + achID + `","recipient":{"did":"did:x"}}`,
		base + `"evidence":[{"id":"https://e.org/a b"}]}`,
		base + `"evidence":[{"id":"https://e.org/{|^` + "`" + `<\"}"}]}`,
		base + `"evidence":[{"name":"n","colour":"blue","@context":"https://e.org/c"}]}`,
		base + `"results":[{"status":"Bogus","alignment":[{"targetName":"t","targetUrl":"https://e.org/ x"}]}]}`,
		base + "\"narrative\":\"\xff\",\"evidence\":[{\"name\":\"\xed\xa0\x80\"}]}",
		base + `"recipient":{"email":"x@example.com","name":"a\ud800"}}`,
		`{"achievementId":"x","recipient":{"email":5}}`,
		`{"evidence":[{"id":"https://e.org","name":1}]}`,
		`{"results":{"value":"A"},"activityStartDate":"2024-01-01T00:00:00Z","validUntil":"1999-01-01T00:00:00Z"}`,
		`{"achievementId":"` + achID + `","recipient":{"email":"a@b.c"},"creditsEarned":-1}`,
		`{"a":1,"a":2}`, `[]`, `null`, `{`, `{"achievementId":"\u0000"}`, "{\"narrative\":\"\xff\"}",
	}
}

// FuzzAwardBody sends arbitrary bodies to POST /api/v1/awards, through the
// real handler, store (SQLite) and signing: the answer is never a 5xx,
// every error is a problem document, and a 201 is an award whose
// credential's proof verifies.
func FuzzAwardBody(f *testing.F) {
	e := newEnv(f)
	fx := e.makeFixture(e.newOrg("fuzz"))
	for _, seed := range awardSeeds(fx.achievementID) {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAward(t, e, fx, body)
	})
}

// FuzzAwardFields is FuzzAwardBody with the fuzzer choosing the values of
// the fields that become IRIs or free text in the credential (the evidence
// URL, the recipient DID, the name, an extension's name and value, a
// result's status and alignment URL) in an otherwise valid award, so that
// it reaches signing far more often than random bytes do.
func FuzzAwardFields(f *testing.F) {
	e := newEnv(f)
	fx := e.makeFixture(e.newOrg("fuzzf"))
	for _, s := range [][6]string{
		{"https://example.org/evidence/1", "", "Ada", "", "", "Completed"},
		{"https://e.org/a b", "did:example:a\"<b>", "Ad\xffa", "colour", "blue", "Bogus"},
		{"https://e.org/{", "did:x", "", "https://e.org/terms#x", "y", ""},
		{"https://e.org/%20", "did:web:example.org:u:a%3A1", "\u00e9", "@id", "x y", "Provisional"},
		{"https://e.org/\\", "did:example:a:", "\t", "@context", "https://e.org/ctx", "InProgress"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	f.Fuzz(func(t *testing.T, evidence, did, name, extKey, extValue, status string) {
		rec := map[string]any{"email": "x@example.com"}
		if did != "" {
			rec = map[string]any{"did": did}
		}
		if name != "" {
			rec["name"] = name
		}
		ev := map[string]any{"id": evidence, "name": "Evidence"}
		if extKey != "" {
			ev[extKey] = extValue
		}
		res := map[string]any{"value": "A"}
		if status != "" {
			res["status"] = status
			res["alignment"] = []any{map[string]any{"targetName": "t", "targetUrl": evidence}}
		}
		body, err := json.Marshal(map[string]any{"achievementId": fx.achievementID, "recipient": rec,
			"evidence": []any{ev}, "results": []any{res}})
		if err != nil {
			t.Skip()
		}
		checkAward(t, e, fx, body)
	})
}

// checkAward posts body as an award and checks the answer.
func checkAward(t *testing.T, e *env, fx fixture, body []byte) {
	req := httptest.NewRequest("POST", testBase+"/api/v1/awards", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+fx.org.key)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	switch {
	case rec.Code >= 500:
		t.Fatalf("status %d for %q: %s\n%s", rec.Code, body, rec.Body, e.logs)
	case rec.Code == 201:
		var a struct {
			ID         string          `json:"id"`
			Credential json.RawMessage `json:"credential"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.ID == "" || len(a.Credential) == 0 {
			t.Fatalf("201 without an award: %s", rec.Body)
		}
		rep := e.verifier.Verify(context.Background(), a.Credential)
		if c := rep.Check(verify.CheckProof); c == nil || c.Outcome != verify.Verified {
			t.Fatalf("the credential issued for %q does not verify: %s", body, rep.Summary())
		}
	case rec.Header().Get("Content-Type") != "application/problem+json":
		t.Fatalf("status %d without a problem document: %s", rec.Code, rec.Body)
	}
}

// verifyLimit is how long the public verifier may work on one input. It is
// generous: it catches inputs that make it spin, not slow machines.
const verifyLimit = 5 * time.Second

// FuzzVerify sends arbitrary bodies to the public POST /api/v1/verify:
// the answer is never a 5xx, it is a report (200 or 422) or a problem
// document, and the verifier finishes each input within verifyLimit.
func FuzzVerify(f *testing.F) {
	e := newEnv(f)
	fx := e.makeFixture(e.newOrg("fuzzv"))
	body := awardBody(fx.achievementID, "verify@example.com")
	body["formats"] = []string{"di", "jwt"}
	var aw struct {
		Credential json.RawMessage `json:"credential"`
		JWT        string          `json:"jwt"`
	}
	e.do("POST", "/api/v1/awards", fx.org.key, body).must(f, 201, &aw)
	f.Add([]byte(aw.Credential))
	f.Add([]byte(aw.JWT))
	f.Add(bytes.Replace(aw.Credential, []byte(`"Ada Learner"`), []byte(`"Eve Learner"`), 1))
	f.Add(bytes.Replace(aw.Credential, []byte(`"https://example.org/evidence/1"`), []byte(`"https://e.org/a b"`), 1))
	f.Add(bytes.Replace(aw.Credential, []byte(`"@context":[`), []byte(`"@context":["https://e.org/unknown",`), 1))
	for _, s := range []string{`{`, `[]`, `{"@context":{"@vocab":"http://ex/"},"@graph":[{"@id":"_:a","p":{"@id":"_:b"}},{"@id":"_:b","p":{"@id":"_:a"}}]}`,
		"eyJhbGciOiJub25lIn0.e30.", "\x89PNG\r\n\x1a\n", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), verifyLimit)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, "POST", testBase+"/api/v1/verify", bytes.NewReader(input))
		req.Header.Set("Content-Type", "application/octet-stream")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if ctx.Err() != nil {
			t.Fatalf("the verifier did not finish %q within %v", input, verifyLimit)
		}
		switch ct := rec.Header().Get("Content-Type"); {
		case rec.Code >= 500:
			t.Fatalf("status %d for %q: %s\n%s", rec.Code, input, rec.Body, e.logs)
		case rec.Code == 200 || rec.Code == 422 && ct == "application/json":
			var rep verify.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rep.Result == "" {
				t.Fatalf("status %d without a report: %s", rec.Code, rec.Body)
			}
		case ct != "application/problem+json":
			t.Fatalf("status %d without a report or a problem document: %s", rec.Code, rec.Body)
		}
	})
}
