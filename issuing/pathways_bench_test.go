package issuing

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/pathway"
)

// BenchmarkPathwayReevaluate measures what one award change costs the
// pathway service once its message is handled: the pathways that involve
// the achievement (by the index), the learner's awards, recognitions and
// external badges, each pathway's award record, and the evaluation. The
// organization has 100 pathways (each "any 3 of 6" of 200 achievements)
// and CAIRN_BENCH_PATHWAY_AWARDS awards (default 100,000) over a tenth as
// many learners, in SQLite. Run it with
//
//	go test ./issuing -run '^$' -bench Pathway -benchtime 2s
//
// The learner already holds the pathway awards they qualify for (the
// steady state: most award changes issue nothing).
func BenchmarkPathwayReevaluate(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CAIRN_BENCH_PATHWAY_AWARDS")); err == nil && v > 0 {
		n = v
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var achs []string
	for i := range 200 {
		a, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: f.is.ID, Name: fmt.Sprintf("Module %d", i),
			Description: "M.", CriteriaNarrative: "Pass.", AchievementType: "Course"})
		if err != nil {
			b.Fatal(err)
		}
		achs = append(achs, a.ID)
	}
	timed := &timedStore{PathwayStore: f.db}
	pws := NewPathways(f.svc, timed)
	for i := range 100 {
		goal, err := f.svc.CreateAchievement(ctx, f.org.ID, AchievementInput{IssuerID: f.is.ID, Name: fmt.Sprintf("Micro %d", i),
			Description: "M.", CriteriaNarrative: "Complete.", AchievementType: "MicroCredential"})
		if err != nil {
			b.Fatal(err)
		}
		var of []any
		for _, j := range rng.Perm(200)[:6] {
			of = append(of, map[string]any{"achievement": achs[j]})
		}
		rule, _ := json.Marshal(map[string]any{"atLeast": 3, "of": of})
		if _, err := pws.Create(ctx, f.org.ID, PathwayInput{Name: fmt.Sprintf("Pathway %d", i), AchievementID: goal.ID, Rule: rule, AutoAward: true}); err != nil {
			b.Fatal(err)
		}
	}
	// Awards straight through the store (a stand-in signature), in
	// batches: the benchmark is of the reads, not of signing.
	learners := max(1, n/10)
	now := time.Now().UTC()
	batch := make([]*cairn.Award, 0, 1000)
	flush := func() {
		for _, r := range f.db.InsertAwards(ctx, batch) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		batch = batch[:0]
	}
	for i := range n {
		a := &cairn.Award{OrgID: f.org.ID, AchievementID: achs[rng.IntN(len(achs))],
			Recipient:   cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("learner%d@example.org", i%learners), Salt: "s"},
			AwardedDate: now, ValidFrom: now, Formats: []string{cairn.FormatDataIntegrity}}
		if _, err := f.db.ReserveAward(ctx, a); err != nil {
			b.Fatal(err)
		}
		a.CredentialJSON = []byte(`{"id":"urn:uuid:` + a.ID + `"}`)
		batch = append(batch, a)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	const learner = "learner7@example.org"
	la, err := f.db.LearnerAwards(ctx, f.org.ID, learner)
	if err != nil || len(la) == 0 {
		b.Fatalf("learner awards: %d %v", len(la), err)
	}
	changed := la[0].AchievementID
	involving, _ := f.db.PathwaysInvolving(ctx, changed)
	// The steady state: whatever the learner qualifies for is issued.
	if err := pws.Reevaluate(ctx, f.org.ID, learner, changed); err != nil {
		b.Fatal(err)
	}
	timed.d = 0
	for b.Loop() {
		if err := pws.Reevaluate(ctx, f.org.ID, learner, changed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(timed.d.Nanoseconds())/float64(b.N), "store-ns/op")
	b.ReportMetric(float64(len(la)), "learner-awards")
	b.ReportMetric(float64(len(involving)), "pathways-involved")
}

// timedStore adds up the time spent in the store reads of a
// re-evaluation: the database's part of it (and the scanning of rows).
// The reads of the pathway awards' own awards go through the service's
// store and are not counted.
type timedStore struct {
	PathwayStore
	d time.Duration
}

func (t *timedStore) since(start time.Time) { t.d += time.Since(start) }

func (t *timedStore) PathwaysInvolving(ctx context.Context, achievementID string) ([]*pathway.Pathway, error) {
	defer t.since(time.Now())
	return t.PathwayStore.PathwaysInvolving(ctx, achievementID)
}

func (t *timedStore) LearnerAwards(ctx context.Context, orgID, recipient string) ([]pathway.Award, error) {
	defer t.since(time.Now())
	return t.PathwayStore.LearnerAwards(ctx, orgID, recipient)
}

func (t *timedStore) LearnerRecognitions(ctx context.Context, orgID, recipient string) ([]pathway.Recognition, error) {
	defer t.since(time.Now())
	return t.PathwayStore.LearnerRecognitions(ctx, orgID, recipient)
}

func (t *timedStore) ExternalBadges(ctx context.Context, orgID, recipient string) ([]pathway.ExternalBadge, error) {
	defer t.since(time.Now())
	return t.PathwayStore.ExternalBadges(ctx, orgID, recipient)
}

func (t *timedStore) LearnerPathwayAwards(ctx context.Context, orgID, recipient string) ([]*pathway.Earned, error) {
	defer t.since(time.Now())
	return t.PathwayStore.LearnerPathwayAwards(ctx, orgID, recipient)
}

func (t *timedStore) PathwayAward(ctx context.Context, orgID, pathwayID, recipient string) (*pathway.Earned, error) {
	defer t.since(time.Now())
	return t.PathwayStore.PathwayAward(ctx, orgID, pathwayID, recipient)
}

// BenchmarkPathwayAwardMessages is what every award change pays in its
// transaction: the in-memory check and, for an involved achievement, one
// message.
func BenchmarkPathwayAwardMessages(b *testing.B) {
	p := &Pathways{}
	set := map[string]bool{}
	for i := range 600 {
		set[fmt.Sprint("ach-", i)] = true
	}
	p.involved.Store(&set)
	aw := &cairn.Award{OrgID: "org", AchievementID: "ach-7", Recipient: cairn.Recipient{Identity: "learner@example.org"}, UpdatedAt: time.Now()}
	other := *aw
	other.AchievementID = "elsewhere"
	b.Run("involved", func(b *testing.B) {
		for b.Loop() {
			if ms, _ := p.AwardMessages(context.Background(), nil, aw); len(ms) != 1 {
				b.Fatal("no message")
			}
		}
	})
	b.Run("not-involved", func(b *testing.B) {
		for b.Loop() {
			if ms, _ := p.AwardMessages(context.Background(), nil, &other); len(ms) != 0 {
				b.Fatal("a message")
			}
		}
	})
}

// BenchmarkPathwayInsertOverhead measures what pathways add to writing
// awards in batches of 500 (as bulk issuance does), signing aside: with no
// AwardMessages, and with every award's achievement involved in a pathway
// (one outbox message per award, in the batch's transaction). The
// re-evaluations themselves run after the commit, in the outbox worker.
func BenchmarkPathwayInsertOverhead(b *testing.B) {
	for _, involved := range []bool{false, true} {
		b.Run(fmt.Sprint("involved=", involved), func(b *testing.B) {
			ctx := context.Background()
			f := newFixture(b)
			if involved {
				pws := NewPathways(f.svc, f.db)
				set := map[string]bool{f.ach.ID: true}
				pws.involved.Store(&set)
				f.db.AwardMessages = pws.AwardMessages
			}
			now := time.Now().UTC()
			i := 0
			for b.Loop() {
				batch := make([]*cairn.Award, 500)
				for j := range batch {
					i++
					a := &cairn.Award{OrgID: f.org.ID, AchievementID: f.ach.ID,
						Recipient:   cairn.Recipient{Type: cairn.RecipientEmail, Identity: fmt.Sprintf("l%d@example.org", i), Salt: "s"},
						AwardedDate: now, ValidFrom: now, Formats: []string{cairn.FormatDataIntegrity}}
					if _, err := f.db.ReserveAward(ctx, a); err != nil {
						b.Fatal(err)
					}
					a.CredentialJSON = []byte(`{"id":"urn:uuid:` + a.ID + `"}`)
					batch[j] = a
				}
				for _, r := range f.db.InsertAwards(ctx, batch) {
					if r.Err != nil {
						b.Fatal(r.Err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/award")
		})
	}
}
