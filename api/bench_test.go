package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// BenchmarkIssueAward issues awards through the handler on SQLite, end to
// end: authentication, strict decoding, validation, status-list
// allocation, Data Integrity signing, the store's transaction and the JSON
// answer. Run with -cpu to vary concurrency; awards/s is reported.
func BenchmarkIssueAward(b *testing.B) {
	for _, formats := range [][]string{{"di"}, {"di", "jwt"}} {
		b.Run(fmt.Sprint(formats), func(b *testing.B) {
			e := newEnv(b)
			f := e.makeFixture(e.newOrg("bench"))
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := awardBody(f.achievementID, fmt.Sprintf("learner%d@example.com", n.Add(1)))
					body["formats"] = formats
					data, _ := json.Marshal(body)
					req := httptest.NewRequest("POST", testBase+"/api/v1/awards", bytes.NewReader(data))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+f.org.key)
					rec := httptest.NewRecorder()
					e.h.ServeHTTP(rec, req)
					if rec.Code != 201 {
						b.Errorf("status %d: %s", rec.Code, rec.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
		})
	}
}
