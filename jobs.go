package cairn

import (
	"context"
	"time"
)

// AwardJobState is where an award job is in its life.
type AwardJobState string

// The award job states. A job is loading while its file is read (it is
// not shown and never issues; a file rejected whole is deleted), queued
// once every row is stored, running once a worker took rows, then done
// (every row issued, failed or skipped), failed (it ended without issuing
// any row) or cancelled.
const (
	JobLoading   AwardJobState = "loading"
	JobQueued    AwardJobState = "queued"
	JobRunning   AwardJobState = "running"
	JobDone      AwardJobState = "done"
	JobFailed    AwardJobState = "failed"
	JobCancelled AwardJobState = "cancelled"
)

// Finished reports whether the job will not issue any more rows.
func (s AwardJobState) Finished() bool {
	return s == JobDone || s == JobFailed || s == JobCancelled
}

// AwardJobRowState is what became of one row of an award job.
type AwardJobRowState string

// The row states: pending until a worker issues it; issued (AwardID set),
// failed (Column and Reason say why) or skipped (the job was cancelled
// first).
const (
	RowPending AwardJobRowState = "pending"
	RowIssued  AwardJobRowState = "issued"
	RowFailed  AwardJobRowState = "failed"
	RowSkipped AwardJobRowState = "skipped"
)

// Valid reports whether s is one of the defined row states.
func (s AwardJobRowState) Valid() bool {
	switch s {
	case RowPending, RowIssued, RowFailed, RowSkipped:
		return true
	}
	return false
}

// AwardJob is a bulk award: one uploaded file (CSV or XLSX) whose rows each
// give one award. Its rows are stored before it is queued, so a job is
// durable before its upload is acknowledged, and each row is issued with
// an idempotency key made of the job ID and the row number, so a job
// resumed after a crash never issues a row twice.
type AwardJob struct {
	ID             string
	OrgID          string
	AchievementID  string // default for rows without an achievementId column; "" for none
	FileName       string
	IdempotencyKey string // of the upload; "" for none
	CreatedBy      string // the API key or account that uploaded it
	State          AwardJobState
	// Total rows in the file; each is Issued, Failed, Skipped or still
	// pending (Total - Issued - Failed - Skipped).
	Total, Issued, Failed, Skipped int
	CreatedAt                      time.Time
	UpdatedAt                      time.Time
	FinishedAt                     *time.Time
}

// AwardJobRow is one row of an award job.
type AwardJobRow struct {
	JobID string
	Num   int // the 1-based row number in the file (the header is row 1)
	State AwardJobRowState
	// Input is the award the row asks for (the JSON of an
	// issuing.AwardInput), nil for a row that failed before it was stored.
	Input      []byte
	ExternalID string // the row's externalId column
	Recipient  string // email or DID, for listings
	// DedupeKey, when not "", makes a second row of the job with the same
	// key fail as a duplicate of the first (set when adding rows; not
	// read back).
	DedupeKey string
	AwardID   string // the award issued, for an issued row
	Column    string // the column a failed row's error is about; "" for the whole row
	Reason    string // why the row failed
}

// AwardJobFilter selects award jobs of one organization, newest first.
type AwardJobFilter struct {
	OrgID  string // required
	Limit  int    // page size; 0 means 50; at most 1000
	Cursor string // from the previous page; "" for the first
}

// AwardJobRowFilter selects rows of one job, in file order.
type AwardJobRowFilter struct {
	OrgID string // required
	JobID string // required
	State AwardJobRowState
	After int // rows numbered above After (the cursor of the next page)
	Limit int // page size; 0 means 100; at most 10000
}

// JobStore keeps award jobs and their rows. Every method but the worker's
// (Claim…, Finish…, Release…, DeleteStale…) takes the organization and
// treats other organizations' jobs as missing.
type JobStore interface {
	// CreateAwardJob stores j in state loading, setting ID (if ""),
	// CreatedAt and UpdatedAt. If j.IdempotencyKey is not "" and the
	// organization has a job with that key (loading ones excepted, which
	// are a Conflict), it returns that job as existing and stores
	// nothing. Errors: Invalid, NotFound (organization), Conflict.
	CreateAwardJob(ctx context.Context, j *AwardJob) (existing *AwardJob, err error)
	// AddAwardJobRows appends rows to a loading job in one transaction and
	// counts them in its totals. A row whose DedupeKey an earlier row of
	// the job has is stored failed instead, naming the earlier row. Errors:
	// NotFound (no loading job), Conflict (a row number taken).
	AddAwardJobRows(ctx context.Context, jobID string, rows []*AwardJobRow) error
	// QueueAwardJob moves a loading job to queued and returns it. Errors:
	// NotFound.
	QueueAwardJob(ctx context.Context, jobID string) (*AwardJob, error)
	// DeleteAwardJob deletes a loading job and its rows (its file was
	// rejected). Deleting a missing job is not an error.
	DeleteAwardJob(ctx context.Context, jobID string) error
	// AwardJob returns a job of the organization (not a loading one).
	// Errors: NotFound.
	AwardJob(ctx context.Context, orgID, id string) (*AwardJob, error)
	// AwardJobs returns a page of the organization's jobs (loading ones
	// excepted), newest first, and the next page's cursor ("" on the last).
	// Errors: Invalid (bad cursor).
	AwardJobs(ctx context.Context, f AwardJobFilter) ([]*AwardJob, string, error)
	// AwardJobRows returns up to f.Limit rows of a job in file order, with
	// Input, and the After of the next page (0 on the last). Errors:
	// Invalid, NotFound (no such job in the organization).
	AwardJobRows(ctx context.Context, f AwardJobRowFilter) ([]*AwardJobRow, int, error)
	// CancelAwardJob cancels a queued or running job: its pending rows
	// become skipped (a row a worker is issuing at that moment may still
	// be issued; it then counts as issued). Cancelling a cancelled job
	// returns it. Errors: NotFound, Conflict (done or failed).
	CancelAwardJob(ctx context.Context, orgID, id string) (*AwardJob, error)

	// ClaimAwardJobRows leases up to limit pending rows of the oldest
	// queued or running job that has rows free (not leased, or whose lease
	// ended), to owner until until, and marks the job running. Jobs it
	// finds with no pending rows left are finished on the way. It returns
	// nil and no rows when there is nothing to do. Replicas sharing a
	// PostgreSQL database never lease one row to two owners at once
	// (FOR UPDATE SKIP LOCKED).
	ClaimAwardJobRows(ctx context.Context, owner string, until time.Time, limit int) (*AwardJob, []*AwardJobRow, error)
	// FinishAwardJobRows stores what became of claimed rows in one
	// transaction: State issued (with AwardID), failed (with Column and
	// Reason) or pending (lease released, to be tried again). A row issued
	// after its job was cancelled moves from skipped to issued. When no
	// pending row is left the job becomes done (or failed, if no row was
	// issued). It returns the job as it now is.
	FinishAwardJobRows(ctx context.Context, jobID string, rows []*AwardJobRow) (*AwardJob, error)
	// ReleaseAwardJobLeases ends every lease (at the start of the only
	// process using a database, after a crash).
	ReleaseAwardJobLeases(ctx context.Context) error
	// DeleteStaleAwardJobs deletes loading jobs not touched since before
	// (uploads cut off by a crash) and returns how many.
	DeleteStaleAwardJobs(ctx context.Context, before time.Time) (int, error)
}
