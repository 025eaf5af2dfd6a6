package api_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// FuzzAwardBody sends arbitrary bodies to POST /api/v1/awards: the answer
// is never a 500, every error is a problem document, and a 201 is an award.
func FuzzAwardBody(f *testing.F) {
	e := newEnv(f)
	fx := e.makeFixture(e.newOrg("fuzz"))
	good, _ := json.Marshal(awardBody(fx.achievementID, "fuzz@example.com"))
	for _, seed := range []string{
		string(good),
		`{"achievementId":"` + fx.achievementID + `","recipient":{"did":"did:example:1"},"formats":["jwt"]}`,
		`{"achievementId":"x","recipient":{"email":5}}`,
		`{"evidence":[{"id":"https://e.org","name":1}]}`,
		`{"results":{"value":"A"},"activityStartDate":"2024-01-01T00:00:00Z","validUntil":"1999-01-01T00:00:00Z"}`,
		`{"achievementId":"` + fx.achievementID + `","recipient":{"email":"a@b.c"},"creditsEarned":-1}`,
		`{"a":1,"a":2}`, `[]`, `null`, `{`, `{"achievementId":"\u0000"}`, "{\"narrative\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", testBase+"/api/v1/awards", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+fx.org.key)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		case rec.Code == 201:
			var a struct {
				ID         string          `json:"id"`
				Credential json.RawMessage `json:"credential"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.ID == "" || len(a.Credential) == 0 {
				t.Fatalf("201 without an award: %s", rec.Body)
			}
		case rec.Header().Get("Content-Type") != "application/problem+json":
			t.Fatalf("status %d without a problem document: %s", rec.Code, rec.Body)
		}
	})
}
