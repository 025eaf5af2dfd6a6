package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/cairn-badges/cairn/api"
	"github.com/cairn-badges/cairn/issuing"
)

// BenchmarkIssueAward issues awards through the handler on SQLite, end to
// end: authentication, strict decoding, validation, status-list
// reservation, Data Integrity signing, the store's group commit and the
// JSON answer, with the strict schema check sampled as in production. Run
// with -cpu to vary concurrency; awards/s is reported.
func BenchmarkIssueAward(b *testing.B) {
	// The tests run both shape checks on every body; production, the fast
	// one only (unless it cannot tell).
	defer func(v bool) { *api.CheckBothShapes = v }(*api.CheckBothShapes)
	*api.CheckBothShapes = false
	for _, formats := range [][]string{{"di"}, {"di", "jwt"}} {
		b.Run(fmt.Sprint(formats), func(b *testing.B) {
			e := newEnv(b)
			e.svc.SetSchemaSample(issuing.DefaultSchemaSample)
			f := e.makeFixture(e.newOrg("bench"))
			var n atomic.Int64
			issue := func() error {
				body := awardBody(f.achievementID, fmt.Sprintf("learner%d@example.com", n.Add(1)))
				body["formats"] = formats
				data, _ := json.Marshal(body)
				req := httptest.NewRequest("POST", testBase+"/api/v1/awards", bytes.NewReader(data))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+f.org.key)
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				if rec.Code != 201 {
					return fmt.Errorf("status %d: %s", rec.Code, rec.Body)
				}
				return nil
			}
			// One award first, outside the timing: the one-time work
			// (compiling the JSON Schemas, the first credential of the
			// shape, opening keys) is not what an award costs.
			if err := issue(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := issue(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
		})
	}
}
