package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/jobs"
)

// Busy is false until a batch is issued, and true just after one (the
// page worker pauses on it).
func TestBusy(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, svc := testenv.Service(t, "https://badges.example.org", log)
	orgID, achID := benchOrg(t, svc, db)
	js := jobs.New(db, svc, jobs.Options{Log: log})
	if js.Busy() {
		t.Fatal("busy before any job")
	}
	ctx := context.Background()
	j, _, err := js.Create(ctx, orgID, jobs.Upload{Body: strings.NewReader("did\ndid:example:1\ndid:example:2\n"), AchievementID: achID})
	if err != nil {
		t.Fatal(err)
	}
	if js.Busy() {
		t.Fatal("busy after an upload, before issuing")
	}
	if n, err := js.Step(ctx); err != nil || n != 2 {
		t.Fatalf("Step: %d rows, %v", n, err)
	}
	if !js.Busy() {
		t.Error("not busy just after a batch")
	}
	if j, _ = js.Job(ctx, orgID, j.ID); j.Issued != 2 {
		t.Errorf("job %+v, want 2 issued", j)
	}
}
