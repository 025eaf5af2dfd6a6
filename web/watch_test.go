package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/i18n"
	"github.com/cairn-badges/cairn/store"
)

// countingPages counts the reads the public pages make of their page
// store; it keeps the store's change watch (cairn.ChangeWatch).
type countingPages struct {
	*store.DB
	heads, pages, stamps atomic.Int64
}

func (c *countingPages) PublicAwardHead(ctx context.Context, id string) (*cairn.Award, error) {
	c.heads.Add(1)
	return c.DB.PublicAwardHead(ctx, id)
}

func (c *countingPages) RenderedPage(ctx context.Context, id string) (*cairn.RenderedPage, error) {
	c.pages.Add(1)
	return c.DB.RenderedPage(ctx, id)
}

func (c *countingPages) RenderedPageStamp(ctx context.Context, id string) (*cairn.RenderedPage, error) {
	c.stamps.Add(1)
	return c.DB.RenderedPageStamp(ctx, id)
}

func (c *countingPages) reads() int64 { return c.heads.Load() + c.pages.Load() + c.stamps.Load() }

func (c *countingPages) reset() {
	c.heads.Store(0)
	c.pages.Store(0)
	c.stamps.Store(0)
}

// watchStore runs db's change watch until the test ends, and waits until
// it vouches for the present.
func watchStore(t testing.TB, db *store.DB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { db.Watch(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the store's watch", func() bool { return db.AwardUnchangedSince("none", time.Now()) })
}

// TestWatchedFirstView: with the store's change watch running, the first
// view of a page rendered ahead reads nothing from the store (nor does a
// view past storeRecheck when no other process stored a page); a change
// made through this server shows on the next view, one made by another
// process within the watch's bound, and so does a page another process
// stored.
func TestWatchedFirstView(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e, cv := countingEnv(t, PublicOptions{})
	db := e.store.(*store.DB)
	watchStore(t, db)
	cp := &countingPages{DB: db}
	pub := NewPublic(e.svc, PublicOptions{Verifier: cv, Pages: cp, Now: clock})
	mux := http.NewServeMux()
	pub.Register(mux)
	runWorker(t, pub)
	ctx := context.Background()
	ahead := func() *cairn.Award {
		t.Helper()
		aw := e.award(t, e.ach, false)
		pub.Precompute(aw.ID)
		waitFor(t, "the stored page", func() bool { _, err := db.RenderedPage(ctx, aw.ID); return err == nil })
		return aw
	}
	revoked, suspended, rechecked := ahead(), ahead(), ahead()
	verifications := cv.count()

	cp.reset()
	body := get(t, mux, "/credentials/"+revoked.ID, "Accept-Encoding", "gzip").Body.Bytes()
	wantContains(t, string(gunzip(t, body)), "Verified: every check passed")
	if n := cp.reads(); n != 0 {
		t.Errorf("a first view of a page rendered ahead read the store %d times, want 0", n)
	}
	if get(t, mux, "/credentials/"+revoked.ID).Body.String() != string(gunzip(t, body)) {
		t.Error("the identity body is not the gzip body's page")
	}
	if cv.count() != verifications {
		t.Errorf("first views verified %d times", cv.count()-verifications)
	}

	// A change made through this server: on the next view.
	if _, err := e.svc.SetState(ctx, e.org.ID, revoked.ID, cairn.StateRevoked, "Issued in error"); err != nil {
		t.Fatal(err)
	}
	wantContains(t, get(t, mux, "/credentials/"+revoked.ID).Body.String(), "This credential was revoked by its issuer")

	// A change made by another process: within the watch's bound.
	other := openTestStoreAt(t, e.dbPath)
	if _, err := other.SetAwardState(ctx, e.org.ID, suspended.ID, cairn.StateSuspended, "Under review"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "another process's suspension on the page", func() bool {
		return strings.Contains(get(t, mux, "/credentials/"+suspended.ID).Body.String(), `id="status">Suspended<`)
	})

	// Past storeRecheck, nothing stored elsewhere: still no read.
	get(t, mux, "/credentials/"+rechecked.ID)
	advance(storeRecheck + time.Second)
	cp.reset()
	if get(t, mux, "/credentials/"+rechecked.ID); cp.reads() != 0 {
		t.Errorf("past storeRecheck with nothing stored elsewhere: %d reads of the store", cp.reads())
	}
	// Another process stores a newer check of the page: picked up.
	sp, err := db.RenderedPage(ctx, rechecked.ID)
	if err != nil {
		t.Fatal(err)
	}
	html := strings.Replace(string(gunzip(t, sp.HTMLGzip)), "</body>", "<!-- checked elsewhere --></body>", 1)
	sp.HTMLGzip, sp.CheckedAt = gzipPage([]byte(html), i18n.English), clock().Add(time.Second)
	if err := other.PutRenderedPages(ctx, sp); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the page another process stored", func() bool {
		return strings.Contains(get(t, mux, "/credentials/"+rechecked.ID).Body.String(), "checked elsewhere")
	})
	if cp.stamps.Load() == 0 {
		t.Error("the page stored elsewhere was served without asking the store")
	}
}
