package outbox_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cairn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func states(t *testing.T, db *store.DB, kind string) map[string]outbox.State {
	t.Helper()
	ms, err := db.OutboxMessages(context.Background(), "", kind, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]outbox.State{}
	for _, m := range ms {
		out[m.Key] = m.State
	}
	return out
}

// TestWorker: a message handled without error is done; an error is retried
// after the backoff; a permanent error, a panic on the last attempt and
// too many attempts give up.
func TestWorker(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	must(t, db.Enqueue(ctx,
		outbox.Message{Kind: "k", Key: "ok"},
		outbox.Message{Kind: "k", Key: "flaky"},
		outbox.Message{Kind: "k", Key: "bad"},
		outbox.Message{Kind: "k", Key: "panics"},
		outbox.Message{Kind: "k", Key: "never"}))
	var mu sync.Mutex
	calls := map[string]int{}
	w := outbox.NewWorker(db, "test", nil)
	w.Register(outbox.Consumer{Kind: "k", MaxAttempts: 3, Concurrency: 10,
		Backoff: func(int) time.Duration { return 0 },
		Handle: func(_ context.Context, m outbox.Message) error {
			mu.Lock()
			calls[m.Key]++
			mu.Unlock()
			switch m.Key {
			case "flaky":
				if m.Attempts < 2 {
					return errors.New("try again")
				}
			case "bad":
				return outbox.Permanent(errors.New("no such address"))
			case "panics":
				panic("boom")
			case "never":
				return errors.New("down")
			}
			return nil
		}})
	for range 5 {
		w.RunOnce(ctx, "k")
	}
	want := map[string]outbox.State{"ok": outbox.Done, "flaky": outbox.Done, "bad": outbox.Dead, "panics": outbox.Dead, "never": outbox.Dead}
	got := states(t, db, "k")
	for k, s := range want {
		if got[k] != s {
			t.Errorf("%s: state %s, want %s", k, got[k], s)
		}
	}
	wantCalls := map[string]int{"ok": 1, "flaky": 2, "bad": 1, "panics": 3, "never": 3}
	for k, n := range wantCalls {
		if calls[k] != n {
			t.Errorf("%s: handled %d times, want %d", k, calls[k], n)
		}
	}
}

// TestWorkerWakeAndResume: Run handles a message soon after Wake; a worker
// stopped in the middle of a message leaves it to be claimed again when its
// lease ends, and the next worker finishes it.
func TestWorkerWakeAndResume(t *testing.T) {
	db := openDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 10)
	w := outbox.NewWorker(db, "first", nil)
	w.Poll = time.Hour // only Wake makes it look
	w.Register(outbox.Consumer{Kind: "k", Timeout: 300 * time.Millisecond, Handle: func(hctx context.Context, m outbox.Message) error {
		got <- m.Key
		if m.Key == "stuck" {
			<-hctx.Done()
			return hctx.Err()
		}
		return nil
	}})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	time.Sleep(20 * time.Millisecond) // the loops start and look once
	must(t, db.Enqueue(context.Background(), outbox.Message{Kind: "k", Key: "quick"}))
	db.OutboxWake = w.Wake
	must(t, db.Enqueue(context.Background(), outbox.Message{Kind: "k", Key: "stuck"}))
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case k := <-got:
			seen[k] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("after Wake, handled only %v", seen)
		}
	}
	cancel() // "crash" while "stuck" is being handled
	<-done
	if s := states(t, db, "k"); s["quick"] != outbox.Done || s["stuck"] != outbox.Pending {
		t.Fatalf("states after the stop = %v, want quick done and stuck pending", s)
	}

	time.Sleep(700 * time.Millisecond) // the lease (twice the timeout) ends
	w2 := outbox.NewWorker(db, "second", nil)
	w2.Register(outbox.Consumer{Kind: "k", Handle: func(context.Context, outbox.Message) error { return nil }})
	if n := w2.RunOnce(context.Background(), "k"); n != 1 {
		t.Fatalf("the second worker claimed %d, want the stuck message", n)
	}
	if s := states(t, db, "k"); s["stuck"] != outbox.Done {
		t.Fatalf("stuck = %s after the second worker, want done", s["stuck"])
	}
}

func TestDefaultBackoff(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 20; n++ {
		d := outbox.DefaultBackoff(n)
		if d <= 0 || d > 6*time.Hour {
			t.Fatalf("DefaultBackoff(%d) = %v, outside (0, 6h]", n, d)
		}
		if n <= 8 && d < prev/2 {
			t.Fatalf("DefaultBackoff(%d) = %v, much less than the previous %v", n, d, prev)
		}
		prev = d
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
