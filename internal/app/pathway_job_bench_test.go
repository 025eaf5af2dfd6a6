package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/outbox"
)

// BenchmarkAwardJobPathways measures what pathway evaluation adds to a
// bulk award job on the real server (SQLite, every background worker
// running): b.N awards of one achievement to b.N learners in one award
// job, with no pathway ("none"), and with 100 pathways that involve the
// achievement ("100-pathways": each "all of [it, another badge]", awarding
// automatically, so every award is re-evaluated against all 100 and none
// completes). It reports, per award, the time until the job is done
// (job-ns/award), until every pathway message is handled too
// (settled-ns/award, the default ns/op), and the process's CPU time over
// that span (cpu-ns/award). Run it with a fixed count, e.g.
//
//	go test ./internal/app -run '^$' -bench AwardJobPathways -benchtime 20000x
func BenchmarkAwardJobPathways(b *testing.B) {
	for _, n := range []int{0, 100} {
		name := "none"
		if n > 0 {
			name = fmt.Sprintf("%d-pathways", n)
		}
		b.Run(name, func(b *testing.B) { benchJobPathways(b, n) })
	}
}

func benchJobPathways(b *testing.B, pathways int) {
	a, stop := bootConfig(b, Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Offline: true})
	defer stop()
	ctx := context.Background()
	fr := a.FirstRun
	mk := func(name string) string { return firstRunAchievement(b, a, name) }
	badge := mk("Bulk badge")
	for i := range pathways {
		other, goal := mk(fmt.Sprintf("Other %d", i)), mk(fmt.Sprintf("Goal %d", i))
		rule := fmt.Sprintf(`{"all":[{"achievement":%q},{"achievement":%q}]}`, badge, other)
		if _, err := a.pathways.Create(ctx, fr.OrgID, issuing.PathwayInput{Name: fmt.Sprintf("Pathway %d", i), AchievementID: goal,
			Rule: []byte(rule), AutoAward: true}); err != nil {
			b.Fatal(err)
		}
	}
	var file strings.Builder
	file.WriteString("email\n")
	for i := range b.N {
		fmt.Fprintf(&file, "learner%d@example.org\n", i)
	}
	// The sweeps of the new pathways (due 2×RefreshEvery after each
	// creation) run and find nobody before the job starts.
	for deadline := time.Now().Add(time.Minute); pathways > 0; time.Sleep(100 * time.Millisecond) {
		ms, err := a.db.OutboxMessages(ctx, fr.OrgID, issuing.KindPathwaySweep, 0, 500)
		if err != nil {
			b.Fatal(err)
		}
		done := 0
		for _, m := range ms {
			if m.State == outbox.Done {
				done++
			}
		}
		if done == pathways {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d sweeps done after a minute", done, pathways)
		}
	}
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	job, _, err := a.jobs.Create(ctx, fr.OrgID, jobs.Upload{Body: strings.NewReader(file.String()), AchievementID: badge})
	if err != nil {
		b.Fatal(err)
	}
	for {
		j, err := a.jobs.Job(ctx, fr.OrgID, job.ID)
		if err != nil {
			b.Fatal(err)
		}
		if j.State.Finished() {
			if j.Issued != b.N {
				b.Fatalf("job: %d of %d issued", j.Issued, b.N)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	jobDone := time.Since(start)
	// Every pathway message handled: one per award (pathway.evaluate) or
	// one per batch of the job (pathway.evaluate-batch), which lists its
	// learners.
	evaluated, messages := 0, 0
	for {
		pending, learners, total := 0, 0, 0
		for _, kind := range []string{issuing.KindPathwayEvaluate, issuing.KindPathwayEvaluateBatch} {
			for before := int64(0); ; {
				ms, err := a.db.OutboxMessages(ctx, fr.OrgID, kind, before, 500)
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range ms {
					if m.State == outbox.Pending {
						pending++
					}
					before = m.ID
					learners += batchLearners(b, m.Message)
				}
				total += len(ms)
				if len(ms) < 500 || pending > 0 {
					break
				}
			}
		}
		if pending == 0 {
			evaluated, messages = learners, total
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	settled, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if pathways > 0 && evaluated != b.N {
		b.Fatalf("%d pathway evaluations (learners in %d messages), want %d", evaluated, messages, b.N)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(jobDone), "job-ns/award")
	b.ReportMetric(per(cpu), "cpu-ns/award")
	b.ReportMetric(float64(evaluated), "evaluations")
	b.ReportMetric(float64(messages), "messages")
	_ = settled
}

// batchLearners returns how many learners a pathway message is about.
func batchLearners(b *testing.B, m outbox.Message) int {
	if m.Kind != issuing.KindPathwayEvaluateBatch {
		return 1
	}
	var pl struct {
		Learners []json.RawMessage `json:"learners"`
	}
	if err := json.Unmarshal(m.Payload, &pl); err != nil {
		b.Fatal(err)
	}
	return len(pl.Learners)
}

// TestAwardJobPathways: an award job whose awards complete a pathway (its
// rule is "all of [the job's badge]"), in batches of the job (one
// re-evaluation message per batch): every learner of the job ends with
// exactly one award of the pathway, recorded as the pathway's.
func TestAwardJobPathways(t *testing.T) {
	a, stop := bootConfig(t, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Offline: true})
	defer stop()
	ctx := context.Background()
	fr := a.FirstRun
	mk := func(name string) string { return firstRunAchievement(t, a, name) }
	badge, goal := mk("Bulk badge"), mk("Goal")
	pw, err := a.pathways.Create(ctx, fr.OrgID, issuing.PathwayInput{Name: "Pathway", AchievementID: goal,
		Rule: []byte(fmt.Sprintf(`{"all":[{"achievement":%q}]}`, badge)), AutoAward: true})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300 // two batches of the job
	var file strings.Builder
	file.WriteString("email\n")
	for i := range n {
		fmt.Fprintf(&file, "learner%d@example.org\n", i)
	}
	job, _, err := a.jobs.Create(ctx, fr.OrgID, jobs.Upload{Body: strings.NewReader(file.String()), AchievementID: badge})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		aws, _, err := a.db.Awards(ctx, cairn.AwardFilter{OrgID: fr.OrgID, AchievementID: goal, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(aws) >= n || time.Now().After(deadline) {
			seen := map[string]bool{}
			for _, aw := range aws {
				if seen[aw.Recipient.Identity] {
					t.Errorf("%s has two awards of the pathway", aw.Recipient.Identity)
				}
				seen[aw.Recipient.Identity] = true
			}
			if len(seen) != n {
				j, _ := a.jobs.Job(ctx, fr.OrgID, job.ID)
				t.Fatalf("%d of %d learners have the pathway's award (job %+v)", len(seen), n, j)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, l := range []string{"learner0@example.org", fmt.Sprintf("learner%d@example.org", n-1)} {
		if _, err := a.db.PathwayAward(ctx, fr.OrgID, pw.ID, l); err != nil {
			t.Errorf("%s: no record of the pathway award: %v", l, err)
		}
	}
	ms, err := a.db.OutboxMessages(ctx, fr.OrgID, issuing.KindPathwayEvaluateBatch, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Error("no batch message: the job's awards were re-evaluated one message each")
	}
}

// firstRunAchievement creates an achievement named name under the first
// run's issuer and returns its id.
func firstRunAchievement(tb testing.TB, a *App, name string) string {
	tb.Helper()
	fr := a.FirstRun
	ach, err := a.svc.CreateAchievement(context.Background(), fr.OrgID, issuing.AchievementInput{IssuerID: fr.IssuerID, Name: name,
		Description: name + ".", CriteriaNarrative: "Pass."})
	if err != nil {
		tb.Fatal(err)
	}
	return ach.ID
}
