package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// Figures on the 2-core machine: docs/PERFORMANCE.md. Run with
//
//	go test -run '^$' -bench . -cpu 2 ./web

// BenchmarkCredentialPage serves the credential page from the handler,
// with the page cache warm: what a shared link costs once popular.
func BenchmarkCredentialPage(b *testing.B) {
	benchPath(b, "", PublicOptions{})
}

// BenchmarkCredentialPageUncached verifies and renders on every request
// (the cost of the first view, and of every view after ReportTTL).
func BenchmarkCredentialPageUncached(b *testing.B) {
	benchPath(b, "", PublicOptions{ReportTTL: time.Nanosecond})
}

// BenchmarkCredentialJSON serves the stored signed credential.
func BenchmarkCredentialJSON(b *testing.B) {
	benchPath(b, ".json", PublicOptions{})
}

func benchPath(b *testing.B, ext string, opts PublicOptions) {
	e := newEnv(b, testBase, opts)
	aw := e.award(b, e.ach, true)
	path := "/credentials/" + aw.ID + ext
	if w := get(b, e.mux, path); w.Code != 200 {
		b.Fatal(w.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Accept", "text/html")
			w := httptest.NewRecorder()
			e.mux.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Errorf("status %d", w.Code)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkCredentialPageHTTP loads the page over loopback HTTP with 16
// concurrent keep-alive clients, the load generator in the same process
// (so on 2 cores it competes with the server, as the target says),
// and reports throughput and the 99th percentile latency.
func BenchmarkCredentialPageHTTP(b *testing.B) {
	e := newEnv(b, testBase, PublicOptions{})
	aw := e.award(b, e.ach, true)
	srv := httptest.NewServer(e.mux)
	defer srv.Close()
	url := srv.URL + "/credentials/" + aw.ID
	const clients = 16
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	fetch := func() {
		res, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	fetch()

	b.ResetTimer()
	var (
		mu   sync.Mutex
		lats = make([]time.Duration, 0, b.N)
		next = make(chan struct{}, clients)
		wg   sync.WaitGroup
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for range next {
				t0 := time.Now()
				fetch()
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	b.StopTimer()
	slices.Sort(lats)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
}
