package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/store"
)

// testOutbox: messages are enqueued once per kind and key, claimed by one
// owner at a time until the lease ends, and finished only by their owner;
// a retry waits for its time; award changes write their messages in their
// own transaction, and a failing AwardMessages aborts the change.
func testOutbox(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := time.Now()
	db.Now = func() time.Time { return now }
	defer func() { db.Now = time.Now }()

	must(t, "Enqueue", db.Enqueue(ctx,
		outbox.Message{Kind: "mail", OrgID: "o1", Key: "a", Payload: []byte("one")},
		outbox.Message{Kind: "mail", OrgID: "o1", Key: "b", Payload: []byte("two")},
		outbox.Message{Kind: "hook", OrgID: "o1", Key: "a", Payload: []byte("three")},
		outbox.Message{Kind: "mail", OrgID: "o1", Key: "later", NotBefore: now.Add(time.Hour)}))
	// The same kind and key again: nothing new, the first payload stays.
	must(t, "Enqueue again", db.Enqueue(ctx, outbox.Message{Kind: "mail", OrgID: "o1", Key: "a", Payload: []byte("changed")}))
	wantKind(t, "Enqueue without a key", db.Enqueue(ctx, outbox.Message{Kind: "mail"}), cairn.Invalid)

	ms, err := db.Claim(ctx, "w1", []string{"mail"}, 10, time.Minute)
	must(t, "Claim", err)
	if len(ms) != 2 || ms[0].Key != "a" || string(ms[0].Payload) != "one" || ms[1].Key != "b" || ms[0].Attempts != 1 {
		t.Fatalf("Claim = %+v, want mail a (payload one) and b, attempt 1", ms)
	}
	if again, err := db.Claim(ctx, "w2", []string{"mail"}, 10, time.Minute); err != nil || len(again) != 0 {
		t.Fatalf("Claim by another owner during the lease = %+v, %v; want none", again, err)
	}
	wantKind(t, "Finish by another owner", db.Finish(ctx, ms[0].ID, "w2", outbox.Done, time.Time{}, ""), cairn.Conflict)
	must(t, "Finish done", db.Finish(ctx, ms[0].ID, "w1", outbox.Done, time.Time{}, ""))
	wantKind(t, "Finish twice", db.Finish(ctx, ms[0].ID, "w1", outbox.Done, time.Time{}, ""), cairn.Conflict)
	must(t, "Finish retry", db.Finish(ctx, ms[1].ID, "w1", outbox.Pending, now.Add(time.Minute), "refused"))
	if again, _ := db.Claim(ctx, "w2", []string{"mail"}, 10, time.Minute); len(again) != 0 {
		t.Fatalf("Claim before the retry is due = %+v", again)
	}

	// Time passes: the retry is due, and a lease that ended is claimable.
	hooks, err := db.Claim(ctx, "w1", []string{"hook"}, 10, time.Minute)
	must(t, "Claim hook", err)
	if len(hooks) != 1 {
		t.Fatalf("Claim hook = %+v", hooks)
	}
	now = now.Add(2 * time.Minute)
	ms, err = db.Claim(ctx, "w2", []string{"mail", "hook"}, 10, time.Minute)
	must(t, "Claim later", err)
	if len(ms) != 2 || ms[0].Key != "b" || ms[0].Attempts != 2 || ms[1].Kind != "hook" || ms[1].Attempts != 2 {
		t.Fatalf("Claim after the retry time and the lease = %+v", ms)
	}
	wantKind(t, "Finish by the owner whose lease ended", db.Finish(ctx, hooks[0].ID, "w1", outbox.Done, time.Time{}, ""), cairn.Conflict)
	must(t, "Finish dead", db.Finish(ctx, ms[0].ID, "w2", outbox.Dead, time.Time{}, "gone"))
	must(t, "Finish hook", db.Finish(ctx, ms[1].ID, "w2", outbox.Done, time.Time{}, ""))

	list, err := db.OutboxMessages(ctx, "o1", "mail", 0, 10)
	must(t, "OutboxMessages", err)
	if len(list) != 3 || list[0].Key != "later" || list[0].State != outbox.Pending ||
		list[1].State != outbox.Dead || list[1].LastError != "gone" || list[2].State != outbox.Done {
		t.Fatalf("OutboxMessages = %+v", list)
	}
	if other, _ := db.OutboxMessages(ctx, "o2", "mail", 0, 10); len(other) != 0 {
		t.Fatalf("another organization's messages = %+v", other)
	}
	now = now.Add(time.Hour)
	n, err := db.PruneOutbox(ctx, now)
	must(t, "PruneOutbox", err)
	if n != 3 {
		t.Fatalf("PruneOutbox removed %d, want the 3 ended (mail a, mail b, hook a)", n)
	}

	// Award changes.
	db.Now = time.Now
	tn := newTenant(t, db, "ob")
	woken := 0
	var mu sync.Mutex
	db.OutboxWake = func() { mu.Lock(); woken++; mu.Unlock() }
	fail := false
	db.AwardMessages = func(_ context.Context, prev, cur *cairn.Award) ([]outbox.Message, error) {
		if fail {
			return nil, errors.New("no")
		}
		ev := "issued"
		if prev != nil {
			ev = string(cur.State)
		}
		return []outbox.Message{{Kind: "award", OrgID: cur.OrgID, Key: cur.ID + "/" + ev, Payload: []byte(ev)}}, nil
	}
	defer func() { db.AwardMessages, db.OutboxWake = nil, nil }()
	a := createAward(t, db, newAward(tn, "ada@example.org"))
	_, err = db.SetAwardState(ctx, tn.org.ID, a.ID, cairn.StateRevoked, "mistake")
	must(t, "SetAwardState", err)
	fail = true
	if _, err := db.CreateAward(ctx, newAward(tn, "bob@example.org"), sign); err == nil {
		t.Fatal("CreateAward succeeded though AwardMessages failed")
	}
	fail = false
	got, err := db.OutboxMessages(ctx, tn.org.ID, "award", 0, 10)
	must(t, "OutboxMessages award", err)
	if len(got) != 2 || string(got[0].Payload) != "revoked" || string(got[1].Payload) != "issued" {
		t.Fatalf("award messages = %+v, want issued then revoked", got)
	}
	awards, _, err := db.Awards(ctx, cairn.AwardFilter{OrgID: tn.org.ID})
	must(t, "Awards", err)
	if len(awards) != 1 {
		t.Fatalf("%d awards stored, want 1 (the one whose messages failed must not be)", len(awards))
	}
	mu.Lock()
	if woken < 2 {
		t.Errorf("OutboxWake called %d times, want one per committed change", woken)
	}
	mu.Unlock()
}

// testOutboxConcurrentClaims: owners claiming at once never get the same
// message, and together get all of them.
func testOutboxConcurrentClaims(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const total = 200
	var msgs []outbox.Message
	for i := range total {
		msgs = append(msgs, outbox.Message{Kind: "k", Key: fmt.Sprint(i)})
	}
	must(t, "Enqueue", db.Enqueue(ctx, msgs...))
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		owner := fmt.Sprint("w", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ms, err := db.Claim(ctx, owner, []string{"k"}, 7, time.Minute)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(ms) == 0 {
					return
				}
				for _, m := range ms {
					mu.Lock()
					if prev, ok := seen[m.ID]; ok {
						t.Errorf("message %d claimed by %s and %s", m.ID, prev, owner)
					}
					seen[m.ID] = owner
					mu.Unlock()
					if err := db.Finish(ctx, m.ID, owner, outbox.Done, time.Time{}, ""); err != nil {
						t.Errorf("Finish: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != total {
		t.Fatalf("%d messages handled, want %d", len(seen), total)
	}
}
