package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
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

// TestWorkerBatch: a batch consumer gets up to BatchSize messages per
// call, and each message's error decides its fate as for Handle; a panic
// fails the whole batch; a worker stopped in the middle of a batch records
// only what was handled, and the rest is claimed again after the lease.
func TestWorkerBatch(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	var msgs []outbox.Message
	for i := range 25 {
		msgs = append(msgs, outbox.Message{Kind: "b", Key: fmt.Sprint("m", i)})
	}
	msgs = append(msgs, outbox.Message{Kind: "b", Key: "flaky"}, outbox.Message{Kind: "b", Key: "bad"})
	must(t, db.Enqueue(ctx, msgs...))
	var sizes []int
	calls := map[string]int{}
	w := outbox.NewWorker(db, "test", nil)
	w.Register(outbox.Consumer{Kind: "b", BatchSize: 10, MaxAttempts: 3, Backoff: func(int) time.Duration { return 0 },
		HandleBatch: func(_ context.Context, ms []outbox.Message) []error {
			sizes = append(sizes, len(ms))
			errs := make([]error, len(ms))
			for i, m := range ms {
				calls[m.Key]++
				switch m.Key {
				case "flaky":
					if m.Attempts < 2 {
						errs[i] = errors.New("try again")
					}
				case "bad":
					errs[i] = outbox.Permanent(errors.New("no"))
				}
			}
			return errs
		}})
	for w.RunOnce(ctx, "b") > 0 {
	}
	if !slices.Equal(sizes, []int{10, 10, 7, 1}) {
		t.Errorf("batch sizes %v, want [10 10 7 1] (the flaky one retried alone)", sizes)
	}
	got := states(t, db, "b")
	for _, m := range msgs {
		want := outbox.Done
		if m.Key == "bad" {
			want = outbox.Dead
		}
		if got[m.Key] != want {
			t.Errorf("%s: %s, want %s", m.Key, got[m.Key], want)
		}
	}
	if calls["flaky"] != 2 || calls["m3"] != 1 || calls["bad"] != 1 {
		t.Errorf("calls %v", calls)
	}

	// A panic fails every message of the batch (retried).
	must(t, db.Enqueue(ctx, outbox.Message{Kind: "p", Key: "1"}, outbox.Message{Kind: "p", Key: "2"}))
	n := 0
	w.Register(outbox.Consumer{Kind: "p", Backoff: func(int) time.Duration { return 0 },
		HandleBatch: func(_ context.Context, ms []outbox.Message) []error {
			n++
			if n == 1 {
				panic("boom")
			}
			return nil
		}})
	w.RunOnce(ctx, "p")
	if s := states(t, db, "p"); s["1"] != outbox.Pending || s["2"] != outbox.Pending {
		t.Fatalf("after a panic: %v, want both pending", s)
	}
	w.RunOnce(ctx, "p")
	if s := states(t, db, "p"); s["1"] != outbox.Done || s["2"] != outbox.Done {
		t.Fatalf("after the retry: %v, want both done", s)
	}

	// Stopped in the middle: the handled message is recorded, the other
	// is claimed again once its lease ends.
	must(t, db.Enqueue(ctx, outbox.Message{Kind: "s", Key: "quick"}, outbox.Message{Kind: "s", Key: "stuck"}))
	sctx, cancel := context.WithCancel(ctx)
	w1 := outbox.NewWorker(db, "first", nil)
	w1.Register(outbox.Consumer{Kind: "s", Timeout: 300 * time.Millisecond,
		HandleBatch: func(hctx context.Context, ms []outbox.Message) []error {
			errs := make([]error, len(ms))
			for i, m := range ms {
				if m.Key == "stuck" {
					cancel()
					<-hctx.Done()
					errs[i] = hctx.Err()
				}
			}
			return errs
		}})
	w1.RunOnce(sctx, "s")
	if s := states(t, db, "s"); s["quick"] != outbox.Done || s["stuck"] != outbox.Pending {
		t.Fatalf("after the stop: %v, want quick done, stuck pending", s)
	}
	w2 := outbox.NewWorker(db, "second", nil)
	w2.Register(outbox.Consumer{Kind: "s", HandleBatch: func(context.Context, []outbox.Message) []error { return nil }})
	if n := w2.RunOnce(ctx, "s"); n != 0 {
		t.Fatalf("claimed %d while the lease holds", n)
	}
	time.Sleep(700 * time.Millisecond)
	if n := w2.RunOnce(ctx, "s"); n != 1 {
		t.Fatalf("the second worker claimed %d, want the stuck one", n)
	}
	if s := states(t, db, "s"); s["stuck"] != outbox.Done {
		t.Fatalf("stuck = %s, want done", s["stuck"])
	}
	// FinishAll on a lease that is not the owner's: Conflict.
	must(t, db.Enqueue(ctx, outbox.Message{Kind: "c", Key: "1"}))
	ms, err := db.Claim(ctx, "a", []string{"c"}, 10, time.Minute)
	if err != nil || len(ms) != 1 {
		t.Fatal(ms, err)
	}
	if err := db.FinishAll(ctx, "b", []outbox.Outcome{{ID: ms[0].ID, State: outbox.Done}}); cairn.KindOf(err) != cairn.Conflict {
		t.Fatalf("FinishAll by another owner: %v, want a conflict", err)
	}
	must(t, db.FinishAll(ctx, "a", []outbox.Outcome{{ID: ms[0].ID, State: outbox.Done}}))
}
