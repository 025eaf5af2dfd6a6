package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
	mk := func(name string) string {
		ach, err := a.svc.CreateAchievement(ctx, fr.OrgID, issuing.AchievementInput{IssuerID: fr.IssuerID, Name: name,
			Description: name + ".", CriteriaNarrative: "Pass."})
		if err != nil {
			b.Fatal(err)
		}
		return ach.ID
	}
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
	evaluated := 0
	for {
		pending, total := 0, 0
		for before := int64(0); ; {
			ms, err := a.db.OutboxMessages(ctx, fr.OrgID, issuing.KindPathwayEvaluate, before, 500)
			if err != nil {
				b.Fatal(err)
			}
			for _, m := range ms {
				if m.State == outbox.Pending {
					pending++
				}
				before = m.ID
			}
			total += len(ms)
			if len(ms) < 500 || pending > 0 {
				break
			}
		}
		if pending == 0 {
			evaluated = total
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	settled, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	if pathways > 0 && evaluated != b.N {
		b.Fatalf("%d pathway evaluations, want %d", evaluated, b.N)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(jobDone), "job-ns/award")
	b.ReportMetric(per(cpu), "cpu-ns/award")
	b.ReportMetric(float64(evaluated), "evaluations")
	_ = settled
}
