package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
)

// benchOrg makes an organization with an issuer and an achievement.
func benchOrg(b testing.TB, svc *issuing.Service, db cairn.Store) (orgID, achID string) {
	ctx := context.Background()
	o := &cairn.Organization{Slug: "bench", Name: "Bench"}
	owner := &cairn.Account{Email: "o@example.org", Name: "O", PasswordHash: "$argon2id$x"}
	if err := db.CreateOrganizationWithOwner(ctx, o, owner, nil); err != nil {
		b.Fatal(err)
	}
	is, err := svc.CreateIssuer(ctx, o.ID, issuing.IssuerInput{Name: "Bench Issuer", URL: "https://example.org"})
	if err != nil {
		b.Fatal(err)
	}
	a, err := svc.CreateAchievement(ctx, o.ID, issuing.AchievementInput{IssuerID: is.ID, Name: "Bench", Description: "Benchmarked.",
		CriteriaNarrative: "Ran."})
	if err != nil {
		b.Fatal(err)
	}
	return o.ID, a.ID
}

// BenchmarkAwardJob reads a b.N-row CSV into a job and issues it in
// batches (SQLite); BenchmarkAwardSingle issues b.N awards one Award call
// at a time from GOMAXPROCS goroutines, as concurrent POST /awards do.
// Compare their awards/s.
func BenchmarkAwardJob(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, svc := testenv.Service(b, "https://badges.example.org", log)
	orgID, achID := benchOrg(b, svc, db)
	js := jobs.New(db, svc, jobs.Options{Log: log})
	var file strings.Builder
	file.WriteString("did,externalId\n")
	for i := range b.N {
		fmt.Fprintf(&file, "did:example:b%d,%d\n", i, i)
	}
	ctx := context.Background()
	b.ResetTimer()
	j, _, err := js.Create(ctx, orgID, jobs.Upload{Body: strings.NewReader(file.String()), AchievementID: achID})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	workers := benchWorkers()
	for range workers {
		go func() {
			for {
				n, err := js.Step(ctx)
				if err != nil {
					b.Error(err)
				}
				if n == 0 || err != nil {
					done <- struct{}{}
					return
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	b.StopTimer()
	j, _ = js.Job(ctx, orgID, j.ID)
	if j.Issued != b.N {
		b.Fatalf("job %+v, want %d issued", j, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
}

func BenchmarkAwardSingle(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, svc := testenv.Service(b, "https://badges.example.org", log)
	orgID, achID := benchOrg(b, svc, db)
	ctx := context.Background()
	var n atomicCounter
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.next()
			in := issuing.AwardInput{AchievementID: achID, Recipient: issuing.RecipientInput{DID: fmt.Sprintf("did:example:s%d", i)}}
			if _, _, err := svc.Award(ctx, orgID, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "awards/s")
}

// benchWorkers is how many batches are in flight, as jobs.Options.Workers
// (BENCH_JOB_WORKERS, default 4).
func benchWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_JOB_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 4
}

type atomicCounter struct{ v atomic.Int64 }

func (c *atomicCounter) next() int64 { return c.v.Add(1) }
