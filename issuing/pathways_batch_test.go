package issuing

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/pathway"
)

// jobBatchFixture: the fixture's pathway made "all of [Data Structures,
// Networks]", automatic; learners l0–l2 already hold Networks (their
// messages handled), l3–l5 do not; the store writes one message per batch
// of new awards. It returns the service, the pathway's achievement, the
// pathway and the learners.
func jobBatchFixture(t *testing.T, f *fixture) (*Pathways, *cairn.Achievement, *pathway.Pathway, []string) {
	t.Helper()
	ctx := context.Background()
	pws, micro, pw := f.pathways(t)
	f.db.AwardBatchMessages = outbox.CombineBatch(outbox.Effect{Award: pws.AwardMessages, Batch: pws.AwardBatchMessages})
	other, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: f.is.ID, Name: "Networks",
		Description: "N.", CriteriaNarrative: "Pass.", AchievementType: "Course"})
	if err != nil {
		t.Fatal(err)
	}
	rule, _ := json.Marshal(map[string]any{"all": []any{map[string]any{"achievement": f.ach.ID}, map[string]any{"achievement": other.ID}}})
	if pw, err = pws.Update(ctx, f.org.ID, pw.ID, PathwayInput{Name: "Computing", AchievementID: micro.ID, Rule: rule, AutoAward: true}); err != nil {
		t.Fatal(err)
	}
	learners := []string{"l0@example.org", "l1@example.org", "l2@example.org", "l3@example.org", "l4@example.org", "l5@example.org"}
	for _, l := range learners[:3] {
		if _, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: other.ID, Recipient: RecipientInput{Email: l}}); err != nil {
			t.Fatal(err)
		}
	}
	w := outbox.NewWorker(f.db, "before", nil)
	for _, c := range pws.Consumers() {
		w.Register(c)
	}
	for w.RunOnce(ctx, KindPathwayEvaluate)+w.RunOnce(ctx, KindPathwayEvaluateBatch) > 0 {
	}
	if n := len(f.countAwards(t, micro.ID)); n != 0 {
		t.Fatalf("%d pathway awards before the batch", n)
	}
	return pws, micro, pw, learners
}

// awardBatch issues the fixture's achievement to learners in one batch
// (as an award job does) and returns the batch's pathway message.
func (f *fixture) awardBatch(t *testing.T, learners []string) outbox.Message {
	t.Helper()
	ctx := context.Background()
	var ins []AwardInput
	for _, l := range learners {
		ins = append(ins, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: l}})
	}
	for i, r := range f.svc.AwardBatch(ctx, f.org.ID, ins) {
		if r.Err != nil {
			t.Fatalf("award %d: %v", i, r.Err)
		}
	}
	pending := func(kind string) []outbox.Message {
		list, err := f.db.OutboxMessages(ctx, f.org.ID, kind, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []outbox.Message
		for _, m := range list {
			if m.State == outbox.Pending {
				out = append(out, m.Message)
			}
		}
		return out
	}
	if ms := pending(KindPathwayEvaluate); len(ms) != 0 {
		t.Fatalf("%d per-award messages for a batch", len(ms))
	}
	ms := pending(KindPathwayEvaluateBatch)
	if len(ms) != 1 {
		t.Fatalf("%d batch messages, want 1", len(ms))
	}
	var pl batchPayload
	if err := json.Unmarshal(ms[0].Payload, &pl); err != nil || pl.OrgID != f.org.ID || len(pl.Learners) != len(learners) {
		t.Fatalf("batch payload %s: %v", ms[0].Payload, err)
	}
	return ms[0]
}

// TestPathwayJobBatch: the new awards of one batch give one
// re-evaluation message, written in the batch's transaction. A worker
// that dies part way through it (one learner evaluated and awarded,
// nothing recorded) leaves it to another worker when its lease ends: the
// learners whose rule holds end with exactly one pathway award each, the
// others with none, and handling the message again changes nothing.
func TestPathwayJobBatch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pws, micro, pw, learners := jobBatchFixture(t, f)
	m := f.awardBatch(t, learners)

	const lease = 5 * time.Second
	claimed := time.Now()
	ms, err := f.db.Claim(ctx, "doomed", []string{KindPathwayEvaluateBatch}, 10, lease)
	if err != nil || len(ms) != 1 || ms[0].ID != m.ID {
		t.Fatalf("claim: %v %+v", err, ms)
	}
	// The doomed worker evaluates l0 (and awards), then dies.
	if err := pws.Reevaluate(ctx, f.org.ID, learners[0], f.ach.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.countAwards(t, micro.ID)); n != 1 {
		t.Fatalf("%d pathway awards after the partial batch, want 1", n)
	}
	w := outbox.NewWorker(f.db, "survivor", nil)
	for _, c := range pws.Consumers() {
		w.Register(c)
	}
	if n := w.RunOnce(ctx, KindPathwayEvaluateBatch); n != 0 {
		t.Fatalf("another worker claimed %d messages during the lease", n)
	}
	time.Sleep(time.Until(claimed.Add(lease + 50*time.Millisecond)))
	drain := func() {
		for w.RunOnce(ctx, KindPathwayEvaluateBatch)+w.RunOnce(ctx, KindPathwayEvaluate)+w.RunOnce(ctx, KindPathwayRecord) > 0 {
		}
	}
	drain()
	check := func(when string) {
		t.Helper()
		aws := f.countAwards(t, micro.ID)
		got := map[string]int{}
		for _, a := range aws {
			got[a.Recipient.Identity]++
		}
		for i, l := range learners {
			want := 0
			if i < 3 {
				want = 1
			}
			if got[l] != want {
				t.Errorf("%s: %s has %d pathway awards, want %d", when, l, got[l], want)
			}
			if _, err := f.db.PathwayAward(ctx, f.org.ID, pw.ID, l); (err == nil) != (want == 1) {
				t.Errorf("%s: %s: record: %v", when, l, err)
			}
		}
	}
	check("after the re-run")
	list, err := f.db.OutboxMessages(ctx, f.org.ID, KindPathwayEvaluateBatch, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.State != outbox.Done {
			t.Errorf("message %s: %s (%s)", x.Key, x.State, x.LastError)
		}
	}
	if err := f.db.Finish(ctx, m.ID, "doomed", outbox.Done, time.Time{}, ""); cairn.KindOf(err) != cairn.Conflict {
		t.Errorf("the dead worker's late Finish: %v, want Conflict", err)
	}
	// Handled once more (a worker that died after the effect, before
	// marking it done): nothing changes.
	if err := pws.handleEvaluateMany(ctx, m); err != nil {
		t.Fatal(err)
	}
	check("after handling the message again")

	// A revoke of a contributing badge, then a new batch for l0 and l3:
	// the pathway award of l0 (a learner with a pathway award is
	// evaluated in full) is reinstated, l3 still has none.
	var l0 *cairn.Award
	for _, a := range f.countAwards(t, f.ach.ID) {
		if a.Recipient.Identity == learners[0] {
			l0 = a
		}
	}
	if _, err := f.svc.SetState(ctx, f.org.ID, l0.ID, cairn.StateRevoked, "issued in error"); err != nil {
		t.Fatal(err)
	}
	drain()
	earned, err := f.db.PathwayAward(ctx, f.org.ID, pw.ID, learners[0])
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := f.db.Award(ctx, f.org.ID, earned.AwardID); a.State != cairn.StateSuspended {
		t.Fatalf("after the revoke: %s", a.State)
	}
	m2 := f.awardBatch(t, []string{learners[0], learners[3]})
	drain()
	if a, _ := f.db.Award(ctx, f.org.ID, earned.AwardID); a.State != cairn.StateActive {
		t.Errorf("after the new badge in a batch: %s (%s), want active", a.State, a.StateReason)
	}
	check("after the second batch")
	if m2.ID == m.ID {
		t.Error("the second batch reused the first message")
	}
}

// failingPathwayStore fails LearnerAwards for one learner (the full evaluation's
// read), as a database error would.
type failingPathwayStore struct {
	PathwayStore
	learner string
	fail    bool
}

func (s *failingPathwayStore) LearnerAwards(ctx context.Context, orgID, recipient string) ([]pathway.Award, error) {
	if s.fail && recipient == s.learner {
		return nil, cairn.Errorf(cairn.Unavailable, "the database is away")
	}
	return s.PathwayStore.LearnerAwards(ctx, orgID, recipient)
}

// TestPathwayJobBatchFailure: a learner of a batch whose evaluation fails
// is split off into a message of its own, retried on its own; the others
// are done, and handling the batch again enqueues that message once.
func TestPathwayJobBatchFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, micro, pw, learners := jobBatchFixture(t, f)
	st := &failingPathwayStore{PathwayStore: f.db, learner: learners[1], fail: true}
	pws := NewPathways(f.svc, st)
	pws.Refresh(ctx)
	m := f.awardBatch(t, learners)
	for range 2 {
		if err := pws.handleEvaluateMany(ctx, m); err != nil {
			t.Fatalf("handling the batch: %v", err)
		}
	}
	got := map[string]bool{}
	for _, a := range f.countAwards(t, micro.ID) {
		got[a.Recipient.Identity] = true
	}
	if !got[learners[0]] || got[learners[1]] || !got[learners[2]] || len(got) != 2 {
		t.Fatalf("pathway awards after the failure: %v, want l0 and l2", got)
	}
	list, err := f.db.OutboxMessages(ctx, f.org.ID, KindPathwayEvaluate, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var split []outbox.Message
	for _, x := range list {
		if x.State == outbox.Pending {
			split = append(split, x.Message)
		}
	}
	want := EvaluateMessage(f.org.ID, learners[1], f.ach.ID, fmt.Sprintf("batch-%d", m.ID))
	if len(split) != 1 || split[0].Key != want.Key {
		t.Fatalf("split-off messages %+v, want one keyed %s", split, want.Key)
	}
	st.fail = false
	if err := pws.handleEvaluate(ctx, split[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.PathwayAward(ctx, f.org.ID, pw.ID, learners[1]); err != nil {
		t.Errorf("l1 after its own retry: %v", err)
	}
	if n := len(f.countAwards(t, micro.ID)); n != 3 {
		t.Errorf("%d pathway awards at the end, want 3", n)
	}
}

// TestMayChange: the batch's shortcut says "nothing to do" exactly when
// evaluate would do nothing for a learner without records.
func TestMayChange(t *testing.T) {
	rule := func(s string) *pathway.Rule {
		r, err := pathway.ParseRule([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	two := &pathway.Pathway{ID: "p", AutoAward: true, Rule: rule(`{"all":[{"achievement":"a"},{"achievement":"b"}]}`)}
	manual := &pathway.Pathway{ID: "m", Rule: rule(`{"achievement":"a"}`)}
	a := pathway.Award{ID: "1", AchievementID: "a", State: cairn.StateActive, AwardedDate: now, ValidFrom: now}
	b := pathway.Award{ID: "2", AchievementID: "b", State: cairn.StateActive, AwardedDate: now, ValidFrom: now}
	revokedB := b
	revokedB.State = cairn.StateRevoked
	fromPathway := pathway.Award{ID: "3", AchievementID: "x", State: cairn.StateActive, AwardedDate: now, ValidFrom: now, FromPathway: true}
	for _, c := range []struct {
		name   string
		ps     []*pathway.Pathway
		awards []pathway.Award
		want   bool
	}{
		{"one of two", []*pathway.Pathway{two}, []pathway.Award{a}, false},
		{"both", []*pathway.Pathway{two}, []pathway.Award{a, b}, true},
		{"the second revoked", []*pathway.Pathway{two}, []pathway.Award{a, revokedB}, false},
		{"holds, not automatic", []*pathway.Pathway{manual}, []pathway.Award{a}, false},
		{"a pathway award held", []*pathway.Pathway{two}, []pathway.Award{a, fromPathway}, true},
	} {
		if got := mayChange(c.ps, &pathway.Facts{Now: now, Awards: c.awards}); got != c.want {
			t.Errorf("%s: mayChange = %v, want %v", c.name, got, c.want)
		}
	}
	if !needsRecords([]*pathway.Pathway{{Rule: rule(`{"any":[{"achievement":"a"},{"pathway":"q"}]}`)}}) {
		t.Error("a rule naming a pathway needs the learner's records (handled in full)")
	}
}
