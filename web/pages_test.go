package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/verify"
)

// countingEnv is a test environment whose public pages count their
// verifications.
func countingEnv(t testing.TB, opts PublicOptions) (*testEnv, *countingVerifier) {
	t.Helper()
	cv := &countingVerifier{}
	opts.Verifier = cv
	e := newEnv(t, testBase, opts)
	cv.v = verify.New(e.svc.Fetcher(nil))
	return e, cv
}

// runWorker runs the page worker until the test ends.
func runWorker(t testing.TB, p *Public) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for !p.running.Load() {
		time.Sleep(time.Millisecond)
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A precomputed page is a read: its first view verifies nothing, and
// another server over the same store (a replica, a restart) serves it
// too. A revocation shows at once all the same.
func TestPrecomputedPage(t *testing.T) {
	e, cv := countingEnv(t, PublicOptions{})
	runWorker(t, e.pub)
	aw := e.award(t, e.ach, false)
	e.pub.Precompute(aw.ID)
	ps := e.store.(cairn.PageStore)
	waitFor(t, "the stored page", func() bool { _, err := ps.RenderedPage(context.Background(), aw.ID); return err == nil })
	if n := cv.count(); n != 1 {
		t.Fatalf("precomputing verified %d times, want 1", n)
	}
	body := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	wantContains(t, body, "Verified: every check passed", `id="checked"`, "Verified on <time datetime=", `action="/credentials/`+aw.ID+`/verify"`, "Check again")
	if n := cv.count(); n != 1 {
		t.Errorf("the first view verified: %d verifications, want 1", n)
	}

	// A replica: a new Public over the same store, nothing in memory.
	cv2 := &countingVerifier{v: cv.v}
	replica := NewPublic(e.svc, PublicOptions{Verifier: cv2})
	mux := http.NewServeMux()
	replica.Register(mux)
	if got := get(t, mux, "/credentials/"+aw.ID).Body.String(); got != body {
		t.Error("the replica serves another page than the stored one")
	}
	if n := cv2.count(); n != 0 {
		t.Errorf("the replica verified %d times, want 0 (the stored page)", n)
	}

	if _, err := e.svc.SetState(context.Background(), e.org.ID, aw.ID, cairn.StateRevoked, "Issued in error"); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]http.Handler{"server": e.mux, "replica": mux} {
		body := get(t, m, "/credentials/"+aw.ID).Body.String()
		wantContains(t, body, "This credential was revoked by its issuer", `id="status">Revoked<`)
		if strings.Contains(body, "Verified: every check passed") {
			t.Errorf("%s: a revoked credential shows as verified", name)
		}
	}
	// The page rendered on that view is stored by the worker.
	waitFor(t, "the revoked page stored", func() bool {
		sp, err := ps.RenderedPage(context.Background(), aw.ID)
		return err == nil && sp.Result == string(verify.Failed)
	})
}

// While PublicOptions.Busy is true (an award job is issuing), the page
// worker renders nothing; the pages queued meanwhile are rendered when
// it turns false.
func TestPageWorkerPausesWhileBusy(t *testing.T) {
	var busy atomic.Bool
	busy.Store(true)
	e, cv := countingEnv(t, PublicOptions{Busy: busy.Load})
	runWorker(t, e.pub)
	a1 := e.award(t, e.ach, false)
	a2 := e.award(t, e.ach, false)
	e.pub.Precompute(a1.ID, a2.ID)
	time.Sleep(3 * busyPoll)
	ps := e.store.(cairn.PageStore)
	if n := cv.count(); n != 0 {
		t.Fatalf("the worker verified %d pages while busy, want 0", n)
	}
	if _, err := ps.RenderedPage(context.Background(), a1.ID); err == nil {
		t.Fatal("a page was stored while busy")
	}
	busy.Store(false)
	for _, id := range []string{a1.ID, a2.ID} {
		waitFor(t, "the stored page", func() bool { _, err := ps.RenderedPage(context.Background(), id); return err == nil })
	}
	if n := cv.count(); n != 2 {
		t.Errorf("the worker verified %d times, want 2", n)
	}
}

// Every representation has its own strong ETag, a 304 for If-None-Match
// that renders and verifies nothing, and a gzip encoding made once (not
// for PNG), with Vary: Accept-Encoding.
func TestRepresentations(t *testing.T) {
	e, cv := countingEnv(t, PublicOptions{})
	aw := e.award(t, e.ach, false, cairn.FormatDataIntegrity, cairn.FormatJWT)
	base := "/credentials/" + aw.ID
	etags := map[string]string{}
	for _, tc := range []struct {
		name, path, accept string
		gzip               bool
	}{
		{"html", base, "text/html", true},
		{"vc", base, typeVC, true},
		{"ld", base, typeLD, true},
		{"json", base, typeJSON, true},
		{"file.json", base + ".json", "", true}, // the representation Accept: application/vc+ld+json gets
		{"jwt", base + ".jwt", "", true},
		{"svg", base + ".svg", "", true},
		{"png", base + ".png", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plain := get(t, e.mux, tc.path, "Accept", tc.accept)
			if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" {
				t.Fatalf("%d, Content-Encoding %q", plain.Code, plain.Header().Get("Content-Encoding"))
			}
			etag := plain.Header().Get("ETag")
			if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
				t.Fatalf("ETag %q is not a strong ETag", etag)
			}
			for other, v := range etags {
				if v == etag && !(tc.name == "file.json" && other == "vc") {
					t.Errorf("same ETag as %s: %s", other, etag)
				}
			}
			etags[tc.name] = etag
			zipped := get(t, e.mux, tc.path, "Accept", tc.accept, "Accept-Encoding", "br;q=1, gzip;q=0.8")
			if !tc.gzip {
				if zipped.Header().Get("Content-Encoding") != "" || zipped.Header().Get("ETag") != etag {
					t.Errorf("compressed: Content-Encoding %q, ETag %q", zipped.Header().Get("Content-Encoding"), zipped.Header().Get("ETag"))
				}
				return
			}
			wantHeader(t, zipped, "Content-Encoding", "gzip")
			if !strings.Contains(strings.Join(zipped.Header().Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("Vary = %q", zipped.Header().Values("Vary"))
			}
			zetag := zipped.Header().Get("ETag")
			if zetag == etag {
				t.Errorf("the gzip encoding has the ETag of the plain one: %s", etag)
			}
			if !bytes.Equal(gunzip(t, zipped.Body.Bytes()), plain.Body.Bytes()) {
				t.Error("the gzip body is not the plain body compressed")
			}
			if zipped.Body.Len() >= plain.Body.Len() {
				t.Errorf("gzip %d bytes, plain %d", zipped.Body.Len(), plain.Body.Len())
			}
			n := cv.count()
			for _, h := range [][]string{{"If-None-Match", etag}, {"If-None-Match", zetag, "Accept-Encoding", "gzip"}} {
				w := get(t, e.mux, tc.path, append([]string{"Accept", tc.accept}, h...)...)
				if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") == "" {
					t.Errorf("%v: %d with %d bytes, ETag %q; want an empty 304", h, w.Code, w.Body.Len(), w.Header().Get("ETag"))
				}
			}
			if cv.count() != n {
				t.Error("answering If-None-Match verified the credential")
			}
			// The plain ETag does not match the gzip encoding.
			if w := get(t, e.mux, tc.path, "Accept", tc.accept, "If-None-Match", etag, "Accept-Encoding", "gzip"); w.Code != 200 {
				t.Errorf("the plain ETag matched the gzip encoding: %d", w.Code)
			}
		})
	}
	if w := get(t, e.mux, base); w.Header().Get("Cache-Control") != htmlCache {
		t.Errorf("page Cache-Control %q, want %q (revalidated each time)", w.Header().Get("Cache-Control"), htmlCache)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"identity", false},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"x-gzip", true},
		{"deflate", false},
	} {
		t.Run(tc.header, func(t *testing.T) {
			if got := acceptsGzip(tc.header); got != tc.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}

// "Check again" verifies now, keeps the new page and sends the browser to
// it; a GET never verifies a page it has.
func TestReverify(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e, cv := countingEnv(t, PublicOptions{Now: clock})
	aw := e.award(t, e.ach, false)
	first := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	wantContains(t, first, now.Format("2 January 2006 at 15:04:05 UTC"))
	mu.Lock()
	now = now.Add(90 * time.Second)
	mu.Unlock()
	if get(t, e.mux, "/credentials/"+aw.ID).Body.String() != first || cv.count() != 1 {
		t.Fatalf("a second view changed the page or verified (%d verifications)", cv.count())
	}

	r := httptest.NewRequest("POST", "/credentials/"+aw.ID+"/verify", nil)
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || cv.count() != 2 {
		t.Fatalf("POST verify: %d after %d verifications, want 303 after 2", w.Code, cv.count())
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Path != "/credentials/"+aw.ID || loc.Query().Get("checked") == "" {
		t.Fatalf("Location %q", w.Header().Get("Location"))
	}
	again := get(t, e.mux, loc.String()).Body.String()
	wantContains(t, again, "Verified on", now.Format("2 January 2006 at 15:04:05 UTC"))
	if got := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); got != again || cv.count() != 2 {
		t.Errorf("the page without ?checked is not the new one (%d verifications)", cv.count())
	}
	sp, err := e.store.(cairn.PageStore).RenderedPage(context.Background(), aw.ID)
	if err != nil || !sp.CheckedAt.Equal(now) {
		t.Errorf("stored page checked at %v (%v), want %v", sp.CheckedAt, err, now)
	}
	for _, path := range []string{"/credentials/nope/verify", "/credentials/bad!id/verify"} {
		r := httptest.NewRequest("POST", path, nil)
		w := httptest.NewRecorder()
		e.mux.ServeHTTP(w, r)
		if w.Code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, w.Code)
		}
	}
}

// With the worker running, a page due for a new check (its verification
// old, or the issuer's status lists or keys changed since) is served as
// it is while the worker checks it again.
func TestDuePagesRefreshInBackground(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e, cv := countingEnv(t, PublicOptions{Now: clock, ReportTTL: time.Hour})
	runWorker(t, e.pub)
	aw := e.award(t, e.ach, false)
	first := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	if cv.count() != 1 {
		t.Fatalf("%d verifications, want 1", cv.count())
	}
	// The view queued the page for the worker to store; were that still to
	// come (on a loaded machine), the worker would find the page due after
	// the epoch below and check it before the view does.
	waitFor(t, "the page stored", func() bool { return e.pub.PageStats().Queued == 0 })

	e.pub.SetEpochs(map[string]time.Time{aw.IssuerID: clock().Add(time.Second)})
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	if get(t, e.mux, "/credentials/"+aw.ID).Body.String() != first {
		t.Error("a due page was not served while checked again")
	}
	waitFor(t, "the new check", func() bool { return cv.count() == 2 })
	waitFor(t, "the new page", func() bool { return get(t, e.mux, "/credentials/"+aw.ID).Body.String() != first })
	get(t, e.mux, "/credentials/"+aw.ID)
	if n := cv.count(); n != 2 {
		t.Errorf("%d verifications after the epoch, want 2", n)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	get(t, e.mux, "/credentials/"+aw.ID)
	waitFor(t, "the check after ReportTTL", func() bool { return cv.count() == 3 })
}

// The worker's queue is bounded: what does not fit is dropped and counted,
// never blocks, and the page still renders on its view.
func TestPageQueueBounded(t *testing.T) {
	e, cv := countingEnv(t, PublicOptions{QueueSize: 2})
	a, b, c := e.award(t, e.ach, false), e.award(t, e.ach, false), e.award(t, e.ach, false)
	e.pub.Precompute(a.ID, b.ID, a.ID, c.ID)
	if s := e.pub.PageStats(); s.Queued != 2 || s.Dropped != 1 {
		t.Errorf("stats %+v, want 2 queued and 1 dropped", s)
	}
	if body := get(t, e.mux, "/credentials/"+c.ID).Body.String(); !strings.Contains(body, "Verified: every check passed") || cv.count() != 1 {
		t.Errorf("the dropped page did not render on its view (%d verifications)", cv.count())
	}
}

// TestSharedHeaders: the header values served from shared slices come out
// the same on every response, whatever a caller did to an earlier
// response's header, and Vary names each header once.
func TestSharedHeaders(t *testing.T) {
	e := newEnv(t, testBase, PublicOptions{})
	aw := e.award(t, e.ach, true, cairn.FormatDataIntegrity, cairn.FormatJWT)
	for _, tc := range []struct{ path, accept, vary string }{
		{"/credentials/" + aw.ID, "text/html", "Accept,Accept-Language,Cookie,Accept-Encoding"}, // the page is in the reader's language
		{"/credentials/" + aw.ID, typeVC, "Accept,Accept-Encoding"},
		{"/credentials/" + aw.ID + ".json", "", "Accept-Encoding"},
		{"/credentials/" + aw.ID + ".jwt", "", "Accept-Encoding"},
		{"/credentials/" + aw.ID + ".svg", "", "Accept-Encoding"},
		{"/credentials/" + aw.ID + ".png", "", ""},
	} {
		t.Run(tc.path+" "+tc.accept, func(t *testing.T) {
			serve := func() http.Header {
				r := httptest.NewRequest("GET", tc.path, nil)
				r.Header.Set("Accept", tc.accept)
				r.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				e.mux.ServeHTTP(w, r)
				if w.Code != 200 {
					t.Fatalf("status %d", w.Code)
				}
				return w.Header()
			}
			first := serve()
			want := first.Clone()
			if got := strings.Join(first.Values("Vary"), ","); got != tc.vary {
				t.Errorf("Vary %q, want %q", got, tc.vary)
			}
			for k := range first { // what a middleware might do after the handler
				first.Add(k, "changed")
			}
			if got := serve(); !reflect.DeepEqual(got, want) {
				t.Errorf("after changing an earlier response's header:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestStoreRecheck: a page held in memory longer than storeRecheck is
// checked against the store's stamp: the page another replica checked
// since is served, and otherwise the one in memory, with no verification.
func TestStoreRecheck(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e, cv := countingEnv(t, PublicOptions{Now: clock})
	aw := e.award(t, e.ach, false)
	first := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	e.pub.persist(context.Background(), e.pub.mem.get(aw.ID))
	if cv.count() != 1 {
		t.Fatalf("%d verifications, want 1", cv.count())
	}

	// Held past storeRecheck, nothing newer stored: the same page, no
	// verification.
	advance(storeRecheck + time.Second)
	if got := get(t, e.mux, "/credentials/"+aw.ID).Body.String(); got != first || cv.count() != 1 {
		t.Fatalf("past storeRecheck with nothing newer stored: page changed %v, %d verifications", got != first, cv.count())
	}

	// Another replica checks the page again ("Check again" there).
	replica := NewPublic(e.svc, PublicOptions{Verifier: cv, Now: clock})
	mux := http.NewServeMux()
	replica.Register(mux)
	advance(5 * time.Second)
	r := httptest.NewRequest("POST", "/credentials/"+aw.ID+"/verify", nil)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || cv.count() != 2 {
		t.Fatalf("POST verify on the replica: %d, %d verifications", w.Code, cv.count())
	}
	checkedThere := clock().Format("2 January 2006 at 15:04:05 UTC")
	if get(t, e.mux, "/credentials/"+aw.ID).Body.String() != first {
		t.Error("within storeRecheck of its last look at the store, the server did not serve the page it holds")
	}
	advance(storeRecheck + time.Second)
	got := get(t, e.mux, "/credentials/"+aw.ID).Body.String()
	wantContains(t, got, "Verified on", checkedThere)
	if cv.count() != 2 {
		t.Errorf("%d verifications, want 2 (the replica's page read from the store)", cv.count())
	}
}
