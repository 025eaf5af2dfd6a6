package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/store"
)

// Figures on the 2-core machine: docs/PERFORMANCE.md. Run with
//
//	go test -run '^$' -bench . -cpu 2 ./web

// BenchmarkCredentialPage serves the credential page from the handler,
// with the page cache warm: what a shared link costs once popular.
func BenchmarkCredentialPage(b *testing.B) {
	benchPath(b, "", PublicOptions{})
}

// BenchmarkCredentialPageUncached verifies and renders on every request:
// the cost of a first view that comes before the page worker rendered
// the page (and what the worker spends on each page).
func BenchmarkCredentialPageUncached(b *testing.B) {
	benchPath(b, "", PublicOptions{ReportTTL: time.Nanosecond})
}

// BenchmarkCredentialPageBrowser is BenchmarkCredentialPageGzip with
// the Accept-Language a browser sends, in the default language.
func BenchmarkCredentialPageBrowser(b *testing.B) {
	benchPath(b, "", PublicOptions{}, "Accept-Encoding", "gzip, deflate, br", "Accept-Language", "en-GB,en;q=0.9")
}

// BenchmarkCredentialPageOtherLanguage serves the page in another
// language than the default, kept in memory after its first view.
func BenchmarkCredentialPageOtherLanguage(b *testing.B) {
	benchPath(b, "", PublicOptions{}, "Accept-Encoding", "gzip, deflate, br", "Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")
}

// BenchmarkCredentialJSON serves the stored signed credential.
func BenchmarkCredentialJSON(b *testing.B) {
	benchPath(b, ".json", PublicOptions{})
}

// BenchmarkCredentialPageGzip serves the cached page to a client that
// takes gzip (browsers, and Go's HTTP client): the body compressed once.
func BenchmarkCredentialPageGzip(b *testing.B) {
	benchPath(b, "", PublicOptions{}, "Accept-Encoding", "gzip, deflate, br")
}

// BenchmarkCredentialPage304 answers If-None-Match for the cached page.
func BenchmarkCredentialPage304(b *testing.B) {
	benchPath(b, "", PublicOptions{}, "Accept-Encoding", "gzip", "If-None-Match", "current")
}

// BenchmarkCredentialJSONGzip serves the signed credential, gzip.
func BenchmarkCredentialJSONGzip(b *testing.B) {
	benchPath(b, ".json", PublicOptions{}, "Accept-Encoding", "gzip")
}

// BenchmarkCredentialJSON304 answers If-None-Match for the credential.
func BenchmarkCredentialJSON304(b *testing.B) {
	benchPath(b, ".json", PublicOptions{}, "Accept-Encoding", "gzip", "If-None-Match", "current")
}

// BenchmarkCredentialPageFirstView serves pages rendered ahead and stored,
// each view of a page this server does not hold in memory: a first view
// (or one on another replica) once the worker has rendered it.
func BenchmarkCredentialPageFirstView(b *testing.B) {
	e := newEnv(b, testBase, PublicOptions{})
	const n = 64
	ids := make([]string, n)
	for i := range ids {
		aw := e.award(b, e.ach, true)
		ids[i] = aw.ID
		if w := get(b, e.mux, "/credentials/"+aw.ID); w.Code != 200 {
			b.Fatal(w.Code)
		}
		pg := e.pub.mem.get(aw.ID)
		e.pub.persist(context.Background(), pg)
		if !pg.persisted.Load() {
			b.Fatal("the page was not stored")
		}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids[next.Add(1)%n]
			e.pub.mem.mu.Lock()
			delete(e.pub.mem.m, id)
			e.pub.mem.mu.Unlock()
			r := httptest.NewRequest("GET", "/credentials/"+id, nil)
			r.Header.Set("Accept", "text/html")
			r.Header.Set("Accept-Encoding", "gzip")
			w := httptest.NewRecorder()
			e.mux.ServeHTTP(w, r)
			if w.Code != 200 || w.Header().Get("Content-Encoding") != "gzip" {
				b.Errorf("status %d, %q", w.Code, w.Header().Get("Content-Encoding"))
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if s := e.pub.PageStats(); s.Rendered != 0 {
		b.Errorf("the worker rendered %d pages", s.Rendered)
	}
}

// BenchmarkCredentialPageWatched is BenchmarkCredentialPageGzip with the
// store's change watch running: the page held in memory is served without
// reading the award's head (as a first view of a page rendered ahead is).
func BenchmarkCredentialPageWatched(b *testing.B) {
	benchPathEnv(b, watchedEnv(b), "", "Accept-Encoding", "gzip, deflate, br")
}

// watchedEnv is a test environment whose store's change watch runs.
func watchedEnv(b *testing.B) *testEnv {
	e := newEnv(b, testBase, PublicOptions{})
	watchStore(b, e.store.(*store.DB))
	return e
}

// benchPath serves path (with ext) with the request headers given; an
// If-None-Match of "current" is replaced by the ETag of the first answer.
func benchPath(b *testing.B, ext string, opts PublicOptions, header ...string) {
	benchPathEnv(b, newEnv(b, testBase, opts), ext, header...)
}

// benchPathEnv is benchPath in e.
func benchPathEnv(b *testing.B, e *testEnv, ext string, header ...string) {
	aw := e.award(b, e.ach, true)
	path := "/credentials/" + aw.ID + ext
	first := get(b, e.mux, path, header...)
	if first.Code != 200 {
		b.Fatal(first.Code)
	}
	want := 200
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "If-None-Match" {
			header[i+1], want = first.Header().Get("ETag"), http.StatusNotModified
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Accept", "text/html")
			for i := 0; i+1 < len(header); i += 2 {
				r.Header.Set(header[i], header[i+1])
			}
			w := httptest.NewRecorder()
			e.mux.ServeHTTP(w, r)
			if w.Code != want {
				b.Errorf("status %d, want %d", w.Code, want)
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

// BenchmarkCertificatePDF serves a certificate from the cache: what each
// download costs once the award's certificate was drawn (three small
// reads: the award's head, the design and the issuer).
func BenchmarkCertificatePDF(b *testing.B) {
	benchPath(b, ".pdf", PublicOptions{})
}

// BenchmarkCertificatePDFUncached draws the certificate on every request
// (the first download of each award version).
func BenchmarkCertificatePDFUncached(b *testing.B) {
	e := newEnv(b, testBase, PublicOptions{})
	aw := e.award(b, e.ach, true)
	path := "/credentials/" + aw.ID + ".pdf"
	b.ReportAllocs()
	for b.Loop() {
		e.pub.certificates = newTTLCache[certificateFile](maxCachedCertificates)
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
