package issuing

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
	"github.com/cairn-badges/cairn/pathway"
)

func (f *fixture) pathways(t *testing.T) (*Pathways, *cairn.Achievement, *pathway.Pathway) {
	t.Helper()
	ctx := context.Background()
	pws := NewPathways(f.svc, f.db)
	f.db.AwardMessages = pws.AwardMessages
	micro, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: f.is.ID, Name: "Micro-credential in Computing",
		Description: "Stacked.", CriteriaNarrative: "Complete the pathway.", AchievementType: "MicroCredential"})
	if err != nil {
		t.Fatal(err)
	}
	rule, _ := json.Marshal(map[string]any{"all": []any{map[string]any{"achievement": f.ach.ID}}})
	pw, err := pws.Create(ctx, f.org.ID, PathwayInput{Name: "Computing", AchievementID: micro.ID, Rule: rule, AutoAward: true})
	if err != nil {
		t.Fatal(err)
	}
	return pws, micro, pw
}

func (f *fixture) countAwards(t *testing.T, achievementID string) []*cairn.Award {
	t.Helper()
	aws, _, err := f.db.Awards(context.Background(), cairn.AwardFilter{OrgID: f.org.ID, AchievementID: achievementID})
	if err != nil {
		t.Fatal(err)
	}
	return aws
}

// TestPathwayCrash: a worker that dies in the middle of a re-evaluation,
// after issuing the pathway award and before recording it, or after
// carrying out the whole effect and before marking the message done,
// leaves the message to another worker when its lease ends; the re-run
// neither misses nor doubles the award or the state change.
func TestPathwayCrash(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pws, micro, pw := f.pathways(t)
	const learner = "ada@example.org"
	badge, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: learner}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{KindPathwayEvaluate}
	const lease = 300 * time.Millisecond

	// Crash 1: the award is issued, then the worker dies before recording
	// it and before finishing the message.
	ms, err := f.db.Claim(ctx, "doomed", kinds, 10, lease)
	if err != nil || len(ms) != 1 {
		t.Fatalf("claim: %v %+v", err, ms)
	}
	facts, err := pws.Facts(ctx, f.org.ID, learner)
	if err != nil {
		t.Fatal(err)
	}
	o := pathway.Evaluate(pw.Rule, facts)
	in, err := pws.awardInput(ctx, pw, learner, &o)
	if err != nil {
		t.Fatal(err)
	}
	in.IdempotencyKey = IdempotencyKey(pw.ID, pw.Version, learner)
	if _, _, err := f.svc.Award(ctx, f.org.ID, *in); err != nil {
		t.Fatal(err)
	}
	// (killed here)

	w := outbox.NewWorker(f.db, "survivor", nil)
	for _, c := range pws.Consumers() {
		w.Register(c)
	}
	if n := w.RunOnce(ctx, KindPathwayEvaluate); n != 0 {
		t.Fatalf("another worker claimed %d messages during the lease", n)
	}
	time.Sleep(lease + 50*time.Millisecond)
	// The survivor claims the message once the lease ended, and also the
	// message the pathway award's own creation enqueued (its achievement is
	// involved in no pathway, but the set is refreshed only now).
	for w.RunOnce(ctx, KindPathwayEvaluate) > 0 {
	}
	aws := f.countAwards(t, micro.ID)
	if len(aws) != 1 {
		t.Fatalf("after the crash and the re-run: %d pathway awards, want 1", len(aws))
	}
	earned, err := f.db.PathwayAward(ctx, f.org.ID, pw.ID, learner)
	if err != nil || earned.AwardID != aws[0].ID || len(earned.Sources) != 1 || earned.Sources[0].ID != badge.ID {
		t.Fatalf("record after the re-run: %+v %v", earned, err)
	}
	if err := f.db.Finish(ctx, ms[0].ID, "doomed", outbox.Done, time.Time{}, ""); cairn.KindOf(err) != cairn.Conflict {
		t.Errorf("the dead worker's late Finish: %v, want Conflict", err)
	}

	// Crash 2: the whole effect (suspension) is carried out, then the
	// worker dies before marking the message done.
	if _, err := f.svc.SetState(ctx, f.org.ID, badge.ID, cairn.StateRevoked, "issued in error"); err != nil {
		t.Fatal(err)
	}
	ms, err = f.db.Claim(ctx, "doomed-2", kinds, 10, lease)
	if err != nil || len(ms) != 1 {
		t.Fatalf("claim: %v %+v", err, ms)
	}
	if err := pws.handleEvaluate(ctx, ms[0]); err != nil {
		t.Fatal(err)
	}
	// (killed here)
	got, _ := f.db.Award(ctx, f.org.ID, aws[0].ID)
	if got.State != cairn.StateSuspended {
		t.Fatalf("after the revoke: %s", got.State)
	}
	firstReason, firstUpdate := got.StateReason, got.UpdatedAt
	time.Sleep(lease + 50*time.Millisecond)
	for w.RunOnce(ctx, KindPathwayEvaluate) > 0 {
	}
	got, _ = f.db.Award(ctx, f.org.ID, aws[0].ID)
	if got.State != cairn.StateSuspended || got.StateReason != firstReason || !got.UpdatedAt.Equal(firstUpdate) {
		t.Errorf("the re-run changed the suspended award again: %s %q %v", got.State, got.StateReason, got.UpdatedAt)
	}
	if n := len(f.countAwards(t, micro.ID)); n != 1 {
		t.Errorf("%d pathway awards at the end, want 1", n)
	}
	// Every message ended done.
	list, err := f.db.OutboxMessages(ctx, f.org.ID, KindPathwayEvaluate, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.State != outbox.Done {
			t.Errorf("message %s: %s (%s)", m.Key, m.State, m.LastError)
		}
	}
}

// TestPathwayVersions: an edit does not take back what was earned under
// the old rule, and a learner earns once per pathway whatever its
// versions.
func TestPathwayVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pws, micro, pw := f.pathways(t)
	const learner = "bo@example.org"
	if _, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: learner}}); err != nil {
		t.Fatal(err)
	}
	if err := pws.Reevaluate(ctx, f.org.ID, learner, f.ach.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.countAwards(t, micro.ID)); n != 1 {
		t.Fatalf("%d awards under version 1", n)
	}
	other, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: f.is.ID, Name: "Networks",
		Description: "N.", CriteriaNarrative: "Pass.", AchievementType: "Course"})
	if err != nil {
		t.Fatal(err)
	}
	rule, _ := json.Marshal(map[string]any{"all": []any{map[string]any{"achievement": f.ach.ID}, map[string]any{"achievement": other.ID}}})
	pw2, err := pws.Update(ctx, f.org.ID, pw.ID, PathwayInput{Name: "Computing", AchievementID: micro.ID, Rule: rule, AutoAward: true})
	if err != nil || pw2.Version != 2 {
		t.Fatalf("update: %+v %v", pw2, err)
	}
	for range 2 {
		if err := pws.Reevaluate(ctx, f.org.ID, learner, f.ach.ID); err != nil {
			t.Fatal(err)
		}
	}
	aws := f.countAwards(t, micro.ID)
	if len(aws) != 1 || aws[0].State != cairn.StateActive {
		t.Fatalf("after the edit: %d awards, first %+v", len(aws), aws)
	}
	// A second learner needs the new rule.
	if _, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: "cy@example.org"}}); err != nil {
		t.Fatal(err)
	}
	if err := pws.Reevaluate(ctx, f.org.ID, "cy@example.org", f.ach.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.countAwards(t, micro.ID)); n != 1 {
		t.Fatalf("the second learner got the award under the new rule without meeting it (%d awards)", n)
	}
}

// TestPathwayBatchCrash: the re-evaluation messages are handled in
// batches. A worker that dies part way through a batch (having handled
// some learners, not the others, and recorded nothing) leaves the whole
// batch to another worker when its lease ends: every learner ends with
// exactly one pathway award, and a learner with two messages in one batch
// is evaluated once.
func TestPathwayBatchCrash(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pws, micro, pw := f.pathways(t)
	learners := []string{"l0@example.org", "l1@example.org", "l2@example.org", "l3@example.org", "l4@example.org"}
	for _, l := range append(learners, learners[0]) { // l0 twice: two messages
		if _, _, err := f.svc.Award(ctx, f.org.ID, AwardInput{AchievementID: f.ach.ID, Recipient: RecipientInput{Email: l}}); err != nil {
			t.Fatal(err)
		}
	}
	// Long enough for the partial batch to be handled inside the lease
	// under the race detector on a loaded machine.
	const lease = 5 * time.Second
	claimed := time.Now()
	ms, err := f.db.Claim(ctx, "doomed", []string{KindPathwayEvaluate}, 100, lease)
	if err != nil || len(ms) != 6 {
		t.Fatalf("claim: %v, %d messages, want 6", err, len(ms))
	}
	// The doomed worker handles the first three messages, then dies.
	if errs := pws.handleEvaluateBatch(ctx, ms[:3]); errors.Join(errs...) != nil {
		t.Fatal(errs)
	}
	if n := len(f.countAwards(t, micro.ID)); n == 0 || n > 3 {
		t.Fatalf("%d pathway awards after the partial batch, want 1 to 3", n)
	}
	w := outbox.NewWorker(f.db, "survivor", nil)
	for _, c := range pws.Consumers() {
		w.Register(c)
	}
	if n := w.RunOnce(ctx, KindPathwayEvaluate); n != 0 {
		t.Fatalf("another worker claimed %d messages during the lease", n)
	}
	time.Sleep(time.Until(claimed.Add(lease + 50*time.Millisecond)))
	for w.RunOnce(ctx, KindPathwayEvaluate) > 0 {
	}
	aws := f.countAwards(t, micro.ID)
	if len(aws) != len(learners) {
		t.Fatalf("%d pathway awards, want one for each of %d learners", len(aws), len(learners))
	}
	seen := map[string]bool{}
	for _, a := range aws {
		if seen[a.Recipient.Identity] {
			t.Errorf("%s has two pathway awards", a.Recipient.Identity)
		}
		seen[a.Recipient.Identity] = true
		if _, err := f.db.PathwayAward(ctx, f.org.ID, pw.ID, a.Recipient.Identity); err != nil {
			t.Errorf("%s: no record: %v", a.Recipient.Identity, err)
		}
	}
	list, err := f.db.OutboxMessages(ctx, f.org.ID, KindPathwayEvaluate, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.State != outbox.Done {
			t.Errorf("message %s: %s (%s)", m.Key, m.State, m.LastError)
		}
	}
	if err := f.db.FinishAll(ctx, "doomed", []outbox.Outcome{{ID: ms[0].ID, State: outbox.Done}}); cairn.KindOf(err) != cairn.Conflict {
		t.Errorf("the dead worker's late FinishAll: %v, want Conflict", err)
	}
}
