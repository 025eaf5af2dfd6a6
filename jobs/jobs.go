// Package jobs runs award jobs: bulk awards from an uploaded CSV or XLSX
// file (issue 12).
//
// An upload is read a row at a time (package sheet) and stored as it is
// read, a chunk of rows per transaction, in a job that stays "loading"
// (invisible, never issued) until the last row is stored; then it is
// queued, and only then is the upload answered. A file rejected whole (not
// CSV or XLSX, not UTF-8, an unknown column, too large, too many rows) is
// deleted and nothing in it is issued; a bad row fails alone, with the
// column and the reason.
//
// Workers (Run, in every process) lease a batch of pending rows at a time
// (cairn.JobStore.ClaimAwardJobRows: FOR UPDATE SKIP LOCKED on PostgreSQL,
// so replicas share a job), issue the batch with issuing.AwardBatch
// (signed in parallel on every core, stored in one transaction), then
// record each row's outcome. Each row is issued with the idempotency key
// "job:JOB:ROW", so a row whose award was stored by a process that died
// before recording it is found, not issued again: every row gives exactly
// one award, whatever is killed when.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs/sheet"
)

// Defaults of Options.
const (
	DefaultMaxUploadBytes = 1 << 30
	DefaultMaxRows        = 2_000_000
	DefaultBatchSize      = 256
	DefaultLease          = time.Minute
	// PreviewRows and MaxPreviewErrors bound a dry run's answer.
	PreviewRows      = 20
	MaxPreviewErrors = 1000
	// chunkRows rows are stored per transaction while a file is read.
	chunkRows = 1000
	// staleLoading is how long a loading job may go untouched before it is
	// taken for an upload cut off by a crash, and deleted.
	staleLoading = 10 * time.Minute
)

// Options configure a Service. Zero fields take the defaults.
type Options struct {
	MaxUploadBytes int64 // largest file accepted (default 1 GiB)
	// MaxXLSXBytes is the largest XLSX file accepted (default
	// sheet.DefaultMaxXLSXFileBytes, 64 MiB): unlike CSV, a workbook is
	// held in memory while it is read.
	MaxXLSXBytes int64
	MaxRows      int           // most data rows in a file (default 2,000,000)
	BatchSize    int           // rows issued per batch and transaction (default 256)
	Workers      int           // batches in flight in this process (default 2)
	Lease        time.Duration // how long a worker holds the rows it claimed (default 1 minute)
	Poll         time.Duration // how often an idle worker looks for work (default 1 second)
	// Owner names this process in leases (default random).
	Owner string
	// TempDir receives the sheets of large XLSX files while they are read.
	TempDir string
	Log     *slog.Logger
}

// Service creates, reads and runs award jobs. Create it with New.
type Service struct {
	store cairn.JobStore
	svc   *issuing.Service
	opts  Options
	log   *slog.Logger
	wake  chan struct{}
	// inFlight counts the batches being issued; lastBatch is when the
	// last one ended (UnixNano). See Busy.
	inFlight  atomic.Int32
	lastBatch atomic.Int64
}

// New returns a Service that keeps jobs in st and issues with svc.
func New(st cairn.JobStore, svc *issuing.Service, opts Options) *Service {
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.MaxXLSXBytes <= 0 {
		opts.MaxXLSXBytes = sheet.DefaultMaxXLSXFileBytes
	}
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultMaxRows
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Owner == "" {
		var b [8]byte
		rand.Read(b[:])
		opts.Owner = hex.EncodeToString(b[:])
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{store: st, svc: svc, opts: opts, log: opts.Log, wake: make(chan struct{}, 1)}
}

// MaxUploadBytes is the largest file Create and DryRun accept.
func (s *Service) MaxUploadBytes() int64 { return s.opts.MaxUploadBytes }

// Upload is a file to make a job of.
type Upload struct {
	Body     io.Reader // the file: CSV (UTF-8) or XLSX, told by its content
	FileName string    // as the uploader named it, for listings
	// AchievementID is the achievement of rows without an achievementId
	// column.
	AchievementID string
	// IdempotencyKey, if not "", makes a retried upload return the job
	// of the first instead of making a second.
	IdempotencyKey string
	CreatedBy      string // the API key or account uploading
}

// TooLargeError is a file larger than the limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the file is larger than the limit of %d bytes", e.Limit)
}

// Is makes errors.Is(err, cairn.ErrInvalid) hold.
func (e *TooLargeError) Is(target error) bool { return target == cairn.ErrInvalid }

// Create reads an upload into a new job of the organization and queues
// it: when it returns, every row is stored, and the workers issue them.
// replayed is true when Upload.IdempotencyKey named an earlier job, which
// is returned instead (the body is not read). Errors: Invalid (field
// "file", naming the row and column, for a file rejected whole; field
// "achievementId" for an unknown default achievement), *TooLargeError,
// Conflict (the same key's upload is still being read), Unavailable.
func (s *Service) Create(ctx context.Context, orgID string, up Upload) (job *cairn.AwardJob, replayed bool, err error) {
	if err := s.checkDefault(ctx, orgID, up.AchievementID); err != nil {
		return nil, false, err
	}
	if len(up.IdempotencyKey) > issuing.MaxIdemKeyLen {
		return nil, false, cairn.Invalidf("Idempotency-Key", "is longer than %d bytes", issuing.MaxIdemKeyLen)
	}
	if len(up.FileName) > 255 {
		up.FileName = up.FileName[:255]
	}
	j := &cairn.AwardJob{OrgID: orgID, AchievementID: up.AchievementID, FileName: up.FileName,
		IdempotencyKey: up.IdempotencyKey, CreatedBy: up.CreatedBy}
	prev, err := s.store.CreateAwardJob(ctx, j)
	if err != nil {
		return nil, false, err
	}
	if prev != nil {
		return prev, true, nil
	}
	// The job is deleted unless every row is stored and it is queued.
	queued := false
	defer func() {
		if !queued {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if derr := s.store.DeleteAwardJob(dctx, j.ID); derr != nil {
				s.log.Warn("deleting a rejected award job", "job", j.ID, "err", derr)
			}
		}
	}()
	err = s.storeRows(ctx, j.ID, func(sink func(*cairn.AwardJobRow) error) error {
		_, err := s.read(ctx, orgID, up, func(r *cairn.AwardJobRow, _ *issuing.AwardInput) error { return sink(r) })
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if job, err = s.store.QueueAwardJob(ctx, j.ID); err != nil {
		return nil, false, err
	}
	queued = true
	s.Wake()
	return job, false, nil
}

// storeRows stores the rows that read gives its sink in jobID, chunkRows
// per transaction, in their order. The file is read and its rows checked
// while the chunk before is being stored (one chunk ahead at most): a
// million-row upload took a third longer with the two in turn. The first
// error, of read or of a store, ends both and is returned.
func (s *Service) storeRows(ctx context.Context, jobID string, read func(sink func(*cairn.AwardJobRow) error) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	chunks := make(chan []*cairn.AwardJobRow, 1)
	stored := make(chan error, 1)
	go func() {
		var err error
		for c := range chunks {
			if err == nil {
				if err = s.store.AddAwardJobRows(ctx, jobID, c); err != nil {
					cancel(err)
				}
			}
		}
		stored <- err
	}()
	chunk := make([]*cairn.AwardJobRow, 0, chunkRows)
	err := read(func(r *cairn.AwardJobRow) error {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		r.JobID = jobID
		chunk = append(chunk, r)
		if len(chunk) == chunkRows {
			chunks <- chunk
			chunk = make([]*cairn.AwardJobRow, 0, chunkRows)
		}
		return nil
	})
	if err == nil && len(chunk) > 0 {
		chunks <- chunk
	}
	close(chunks)
	serr := <-stored
	if serr != nil {
		return serr // the store's error, not the cancellation read saw
	}
	return err
}

// Preview is the answer of a dry run: what the upload would do.
type Preview struct {
	Total  int // data rows
	Valid  int // rows that would be issued (unless something changes meanwhile)
	Failed int // rows that would fail
	// Rows are the first PreviewRows valid rows, as they would be issued.
	Rows []PreviewRow
	// Errors are the failed rows (Num, Column, Reason), the first
	// MaxPreviewErrors of them; Truncated says there were more.
	Errors    []*cairn.AwardJobRow
	Truncated bool
}

// PreviewRow is one row as it would be issued.
type PreviewRow struct {
	Num        int
	ExternalID string
	Input      issuing.AwardInput
}

// DryRun reads an upload as Create does, validating every row, and
// returns the preview without storing or issuing anything. Duplicates are
// told by a hash of each row's key held in memory (8 bytes a row). Errors:
// those of Create, but Conflict.
func (s *Service) DryRun(ctx context.Context, orgID string, up Upload) (*Preview, error) {
	if err := s.checkDefault(ctx, orgID, up.AchievementID); err != nil {
		return nil, err
	}
	p := &Preview{}
	seen := map[uint64]int{}
	total, err := s.read(ctx, orgID, up, func(r *cairn.AwardJobRow, in *issuing.AwardInput) error {
		if r.State == cairn.RowPending && r.DedupeKey != "" {
			h := fnv.New64a()
			io.WriteString(h, r.DedupeKey)
			if first, dup := seen[h.Sum64()]; dup {
				r.State, r.Column, r.Reason = cairn.RowFailed, "", "duplicate of row "+strconv.Itoa(first)+" (same recipient and achievement, or same externalId)"
			} else {
				seen[h.Sum64()] = r.Num
			}
		}
		if r.State == cairn.RowFailed {
			p.Failed++
			if len(p.Errors) < MaxPreviewErrors {
				r.Input = nil
				p.Errors = append(p.Errors, r)
			} else {
				p.Truncated = true
			}
			return nil
		}
		p.Valid++
		if len(p.Rows) < PreviewRows {
			p.Rows = append(p.Rows, PreviewRow{Num: r.Num, ExternalID: r.ExternalID, Input: *in})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Total = total
	return p, nil
}

func (s *Service) checkDefault(ctx context.Context, orgID, achID string) error {
	if achID == "" {
		return nil
	}
	if _, err := s.svc.Store().Achievement(ctx, orgID, achID); err != nil {
		if cairn.KindOf(err) == cairn.NotFound {
			return &cairn.Error{Kind: cairn.Invalid, Field: "achievementId", Message: "no such achievement in this organization"}
		}
		return err
	}
	return nil
}

// limitReader fails with *TooLargeError past n bytes.
type limitReader struct {
	r    io.Reader
	n    int64
	read int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.read += int64(n)
	if l.read > l.n {
		return n, &TooLargeError{Limit: l.n}
	}
	return n, err
}

// read parses an upload, giving sink each data row (failed, with Column
// and Reason, or pending, with Input) and, for a pending row, the input.
// It returns how many data rows there were.
func (s *Service) read(ctx context.Context, orgID string, up Upload, sink func(*cairn.AwardJobRow, *issuing.AwardInput) error) (int, error) {
	lr := &limitReader{r: up.Body, n: s.opts.MaxUploadBytes}
	rd, err := sheet.Open(lr, sheet.Options{MaxXLSXBytes: 4 * s.opts.MaxUploadBytes,
		MaxXLSXFileBytes: min(s.opts.MaxXLSXBytes, s.opts.MaxUploadBytes), TempDir: s.opts.TempDir})
	if err != nil {
		return 0, fileErr(lr, err)
	}
	defer rd.Close()
	_, cells, err := rd.Next()
	if err == io.EOF {
		return 0, fileErr(lr, &sheet.FileError{Reason: "the file is empty"})
	}
	if err != nil {
		return 0, fileErr(lr, err)
	}
	h, err := sheet.ParseHeader(cells)
	if err != nil {
		return 0, fileErr(lr, err)
	}
	if !h.Has("achievementId") && up.AchievementID == "" {
		return 0, cairn.Invalidf("achievementId", "give the achievement: ?achievementId= or an achievementId column")
	}
	achs := newAchievements(s.svc.Store(), orgID)
	total := 0
	for {
		num, cells, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fileErr(lr, err)
		}
		if sheet.Blank(cells) {
			continue
		}
		if total++; total > s.opts.MaxRows {
			return 0, fileErr(lr, &sheet.FileError{Row: num, Reason: fmt.Sprintf("the file has more than %d rows, the limit", s.opts.MaxRows)})
		}
		if total%chunkRows == 0 {
			if err := ctx.Err(); err != nil {
				return 0, cairn.Wrapf(cairn.Unavailable, err, "upload cancelled")
			}
		}
		row, in := s.row(ctx, achs, h, up.AchievementID, num, cells)
		if err := sink(row, in); err != nil {
			return 0, err
		}
	}
	if total == 0 {
		return 0, cairn.Invalidf("file", "the file has a header but no rows")
	}
	return total, nil
}

// fileErr turns a reading error into the error the caller gets.
func fileErr(lr *limitReader, err error) error {
	var tl *TooLargeError
	if errors.As(err, &tl) || lr.read > lr.n {
		return &TooLargeError{Limit: lr.n}
	}
	var fe *sheet.FileError
	if errors.As(err, &fe) {
		return &cairn.Error{Kind: cairn.Invalid, Field: "file", Message: fe.Error()}
	}
	return err
}

// row turns the cells of one data row into a job row.
func (s *Service) row(ctx context.Context, achs *achievements, h *sheet.Header, defaultAch string, num int, cells []string) (*cairn.AwardJobRow, *issuing.AwardInput) {
	r := &cairn.AwardJobRow{Num: num, State: cairn.RowFailed}
	fail := func(err error) (*cairn.AwardJobRow, *issuing.AwardInput) {
		var re *sheet.RowError
		if errors.As(err, &re) {
			r.Column, r.Reason = re.Column, re.Reason
		} else {
			r.Column, r.Reason = columnOf(cairn.FieldOf(err)), strings.TrimPrefix(cairn.PublicMessage(err), cairn.FieldOf(err)+": ")
		}
		return r, nil
	}
	rec, err := h.Record(num, cells)
	if err != nil {
		return fail(err)
	}
	r.ExternalID, r.Recipient = rec.Values["externalId"], rec.Values["email"]+rec.Values["did"]
	if len(r.ExternalID) > sheet.MaxExternalIDLen {
		r.ExternalID = r.ExternalID[:sheet.MaxExternalIDLen]
	}
	if len(r.Recipient) > 320 {
		r.Recipient = r.Recipient[:320]
	}
	in, ext, err := rec.Award(defaultAch, achs.result(ctx))
	if err != nil {
		return fail(err)
	}
	if _, err := achs.get(ctx, in.AchievementID); err != nil {
		if cairn.KindOf(err) == cairn.NotFound {
			return fail(&sheet.RowError{Row: num, Column: "achievementId", Reason: fmt.Sprintf("no such achievement %q in this organization", in.AchievementID)})
		}
		return fail(err)
	}
	if err := s.svc.ValidateAward(&in); err != nil {
		return fail(err)
	}
	data, err := json.Marshal(in)
	if err != nil {
		return fail(cairn.Wrapf(cairn.Internal, err, "encoding row %d", num))
	}
	r.State, r.Input, r.ExternalID = cairn.RowPending, data, ext
	if ext != "" {
		r.DedupeKey = "x:" + ext
	} else {
		r.DedupeKey = "r:" + in.AchievementID + "\x00" + strings.ToLower(in.Recipient.Email) + in.Recipient.DID
	}
	return r, &in
}

// columnOf names the file column of an award input's field.
func columnOf(field string) string {
	switch {
	case field == "recipient", field == "recipient.email", field == "recipient.hashed":
		return "email"
	case field == "recipient.did":
		return "did"
	case field == "recipient.name":
		return "name"
	case field == "recipient.showName":
		return "showName"
	case strings.HasPrefix(field, "evidence") && strings.HasSuffix(field, ".name"):
		return "evidenceName"
	case strings.HasPrefix(field, "evidence"):
		return "evidenceUrl"
	case strings.HasPrefix(field, "results"):
		return "result"
	case field == "activityEndDate":
		return "validUntil"
	}
	return field
}

// achievements caches the achievements of one upload.
type achievements struct {
	store cairn.Store
	orgID string
	mu    sync.Mutex
	m     map[string]achResult
}

type achResult struct {
	a   *cairn.Achievement
	err error
}

func newAchievements(st cairn.Store, orgID string) *achievements {
	return &achievements{store: st, orgID: orgID, m: map[string]achResult{}}
}

const maxCachedAchievements = 10_000

func (c *achievements) get(ctx context.Context, id string) (*cairn.Achievement, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[id]; ok {
		return r.a, r.err
	}
	a, err := c.store.Achievement(ctx, c.orgID, id)
	if err == nil || cairn.KindOf(err) == cairn.NotFound {
		if len(c.m) >= maxCachedAchievements {
			clear(c.m)
		}
		c.m[id] = achResult{a, err}
	}
	return a, err
}

func (c *achievements) result(ctx context.Context) sheet.ResultLookup {
	return func(achID, name string) (string, error) {
		a, err := c.get(ctx, achID)
		if err != nil {
			return "", fmt.Errorf("no such achievement %q in this organization", achID)
		}
		var names []string
		for _, rd := range a.ResultDescriptions {
			if sheet.Normalize(rd.Name) == name {
				if rd.ID == "" {
					return "", fmt.Errorf("the achievement's result description %q has no id", rd.Name)
				}
				return rd.ID, nil
			}
			names = append(names, strconv.Quote(rd.Name))
		}
		if len(names) == 0 {
			return "", fmt.Errorf("achievement %q has no result descriptions", achID)
		}
		return "", fmt.Errorf("achievement %q has no result description of that name; it has %s", achID, strings.Join(names, ", "))
	}
}

// Job returns a job of the organization. Errors: NotFound.
func (s *Service) Job(ctx context.Context, orgID, id string) (*cairn.AwardJob, error) {
	return s.store.AwardJob(ctx, orgID, id)
}

// Jobs returns a page of the organization's jobs, newest first (limit 0:
// 50), and the cursor of the next page ("" on the last). Errors: Invalid
// (cursor, limit).
func (s *Service) Jobs(ctx context.Context, orgID string, limit int, cursor string) ([]*cairn.AwardJob, string, error) {
	return s.store.AwardJobs(ctx, cairn.AwardJobFilter{OrgID: orgID, Limit: limit, Cursor: cursor})
}

// Rows returns a page of a job's rows in file order, of one state if
// f.State is set (e.g. cairn.RowFailed: each failed row's number, column
// and reason), and the After of the next page (0 on the last). Errors:
// Invalid, NotFound.
func (s *Service) Rows(ctx context.Context, f cairn.AwardJobRowFilter) ([]*cairn.AwardJobRow, int, error) {
	return s.store.AwardJobRows(ctx, f)
}

// Cancel stops a queued or running job: rows not issued yet are skipped
// (a batch being issued at that moment completes). Errors: NotFound,
// Conflict (the job is done or failed).
func (s *Service) Cancel(ctx context.Context, orgID, id string) (*cairn.AwardJob, error) {
	return s.store.CancelAwardJob(ctx, orgID, id)
}

// busyLinger is how long Busy stays true after a batch: the pause
// between two batches of a job is not idleness.
const busyLinger = 2 * time.Second

// Busy reports whether this process is issuing a job's rows, or was
// within the last two seconds. The page worker pauses while it is
// (web.PublicOptions.Busy), so that a bulk issue has the cores.
func (s *Service) Busy() bool {
	return s.inFlight.Load() > 0 || time.Since(time.Unix(0, s.lastBatch.Load())) < busyLinger
}

// Wake tells the workers there may be work.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// WriteRowsCSV writes the rows that f selects (every page of them) to w as
// CSV, one line a row: number, state, column, reason, externalId,
// recipient and award id, each cell safe to open in a spreadsheet
// (sheet.SafeCell). An error after the first line leaves the CSV cut off.
func (s *Service) WriteRowsCSV(ctx context.Context, w io.Writer, f cairn.AwardJobRowFilter) error {
	f.Limit = 10000
	cw := csv.NewWriter(w)
	cw.Write([]string{"row", "state", "column", "reason", "externalId", "recipient", "awardId"})
	for {
		rows, next, err := s.Rows(ctx, f)
		if err != nil {
			cw.Flush()
			return err
		}
		for _, row := range rows {
			cw.Write([]string{strconv.Itoa(row.Num), string(row.State), sheet.SafeCell(row.Column), sheet.SafeCell(row.Reason),
				sheet.SafeCell(row.ExternalID), sheet.SafeCell(row.Recipient), sheet.SafeCell(row.AwardID)})
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	cw.Flush()
	return cw.Error()
}

// CreateFromAwards makes a queued job of awards given as inputs instead of
// a file (up.Body is not read): the learners who qualify for a pathway,
// say. Each input is one row, numbered from 2 as if under a header; an
// input that does not validate is a failed row, and a second input of the
// same achievement and recipient fails as a duplicate. An input's
// IdempotencyKey, if set, is the key its award is issued with (instead of
// the row's): an award made under that key elsewhere is found, not made
// twice. Errors: Invalid (no inputs, too many), Conflict, Unavailable.
func (s *Service) CreateFromAwards(ctx context.Context, orgID string, up Upload, ins []issuing.AwardInput) (*cairn.AwardJob, bool, error) {
	switch {
	case len(ins) == 0:
		return nil, false, cairn.Invalidf("awards", "there is nobody to issue to")
	case len(ins) > s.opts.MaxRows:
		return nil, false, cairn.Invalidf("awards", "%d awards, more than the %d a job takes", len(ins), s.opts.MaxRows)
	case len(up.IdempotencyKey) > issuing.MaxIdemKeyLen:
		return nil, false, cairn.Invalidf("Idempotency-Key", "is longer than %d bytes", issuing.MaxIdemKeyLen)
	}
	if err := s.checkDefault(ctx, orgID, up.AchievementID); err != nil {
		return nil, false, err
	}
	if len(up.FileName) > 255 {
		up.FileName = up.FileName[:255]
	}
	j := &cairn.AwardJob{OrgID: orgID, AchievementID: up.AchievementID, FileName: up.FileName,
		IdempotencyKey: up.IdempotencyKey, CreatedBy: up.CreatedBy}
	prev, err := s.store.CreateAwardJob(ctx, j)
	if err != nil {
		return nil, false, err
	}
	if prev != nil {
		return prev, true, nil
	}
	queued := false
	defer func() {
		if !queued {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if derr := s.store.DeleteAwardJob(dctx, j.ID); derr != nil {
				s.log.Warn("deleting an award job that was not queued", "job", j.ID, "err", derr)
			}
		}
	}()
	chunk := make([]*cairn.AwardJobRow, 0, chunkRows)
	for i := range ins {
		in := &ins[i]
		r := &cairn.AwardJobRow{JobID: j.ID, Num: i + 2, State: cairn.RowFailed, Recipient: in.Recipient.Email + in.Recipient.DID}
		if err := s.svc.ValidateAward(in); err != nil {
			field := cairn.FieldOf(err)
			r.Column, r.Reason = columnOf(field), strings.TrimPrefix(cairn.PublicMessage(err), field+": ")
		} else if data, err := json.Marshal(rowInput{AwardInput: *in, Key: in.IdempotencyKey}); err != nil {
			r.Reason = "the award cannot be encoded"
		} else {
			r.State, r.Input = cairn.RowPending, data
			r.DedupeKey = "r:" + in.AchievementID + "\x00" + strings.ToLower(in.Recipient.Email) + in.Recipient.DID
		}
		chunk = append(chunk, r)
		if len(chunk) == chunkRows || i == len(ins)-1 {
			if err := s.store.AddAwardJobRows(ctx, j.ID, chunk); err != nil {
				return nil, false, err
			}
			chunk = chunk[:0]
		}
	}
	job, err := s.store.QueueAwardJob(ctx, j.ID)
	if err != nil {
		return nil, false, err
	}
	queued = true
	s.Wake()
	return job, false, nil
}

// rowInput is the stored input of a row: the award and, for a row of
// CreateFromAwards, the idempotency key it is issued with (AwardInput
// does not encode its own).
type rowInput struct {
	issuing.AwardInput
	Key string `json:"_idempotencyKey,omitempty"`
}
