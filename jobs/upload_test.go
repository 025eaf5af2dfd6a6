package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/internal/testenv"
	"github.com/cairn-badges/cairn/jobs"
)

// failingRows stores a job's rows until its fail-th chunk, which fails.
type failingRows struct {
	cairn.JobStore
	fail  int32
	calls atomic.Int32
}

var errDiskFull = errors.New("disk full")

func (f *failingRows) AddAwardJobRows(ctx context.Context, jobID string, rows []*cairn.AwardJobRow) error {
	if f.calls.Add(1) == f.fail {
		return errDiskFull
	}
	return f.JobStore.AddAwardJobRows(ctx, jobID, rows)
}

func rowsCSV(n int, dup map[int]int) string {
	var b strings.Builder
	b.WriteString("did\n")
	for i := 1; i <= n; i++ {
		d := i
		if o, ok := dup[i]; ok {
			d = o
		}
		fmt.Fprintf(&b, "did:example:u%d\n", d)
	}
	return b.String()
}

// An upload is read while its rows are stored: a store that fails partway
// ends the upload with its error, stops the reading, and leaves no job; a
// whole upload keeps its rows' order, so a duplicate three chunks after
// its first row names that row.
func TestUploadStoresWhileReading(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, svc := testenv.Service(t, "https://badges.example.org", log)
	orgID, achID := benchOrg(t, svc, db)
	ctx := context.Background()

	f := &failingRows{JobStore: db, fail: 3}
	js := jobs.New(f, svc, jobs.Options{Log: log})
	_, _, err := js.Create(ctx, orgID, jobs.Upload{Body: strings.NewReader(rowsCSV(10500, nil)), AchievementID: achID})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Create: %v, want the store's error", err)
	}
	if n := f.calls.Load(); n > 4 {
		t.Errorf("%d chunks offered after the third failed: reading went on", n)
	}
	if list, _, err := js.Jobs(ctx, orgID, 10, ""); err != nil || len(list) != 0 {
		t.Errorf("jobs after a failed upload: %d, %v (want none)", len(list), err)
	}

	js = jobs.New(db, svc, jobs.Options{Log: log})
	j, _, err := js.Create(ctx, orgID, jobs.Upload{Body: strings.NewReader(rowsCSV(3500, map[int]int{3200: 7})), AchievementID: achID})
	if err != nil {
		t.Fatal(err)
	}
	if j.Total != 3500 || j.Failed != 1 {
		t.Fatalf("job %+v, want 3500 rows, 1 failed", j)
	}
	rows, _, err := js.Rows(ctx, cairn.AwardJobRowFilter{OrgID: orgID, JobID: j.ID, State: cairn.RowFailed, Limit: 10})
	if err != nil || len(rows) != 1 {
		t.Fatalf("failed rows: %v, %v", rows, err)
	}
	if r := rows[0]; r.Num != 3201 || !strings.Contains(r.Reason, "row 8") {
		t.Errorf("failed row %d: %q, want row 3201 naming row 8", r.Num, r.Reason)
	}
}
