package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/issuing"
	"github.com/cairn-badges/cairn/jobs"
	"github.com/cairn-badges/cairn/jobs/sheet"
)

// Media types of award job uploads.
const (
	MediaCSV  = "text/csv"
	MediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// uploadDeadline is how long reading an award job upload may take, in
// place of the server's read timeout.
const uploadDeadline = time.Hour

// jobView is an award job as the API shows it.
type jobView struct {
	ID            string              `json:"id"`
	State         cairn.AwardJobState `json:"state"`
	Total         int                 `json:"total"`
	Issued        int                 `json:"issued"`
	Failed        int                 `json:"failed"`
	Skipped       int                 `json:"skipped"`
	AchievementID string              `json:"achievementId,omitempty"`
	FileName      string              `json:"fileName,omitempty"`
	CreatedAt     time.Time           `json:"createdAt"`
	UpdatedAt     time.Time           `json:"updatedAt"`
	FinishedAt    *time.Time          `json:"finishedAt"`
}

func viewJob(j *cairn.AwardJob) jobView {
	return jobView{ID: j.ID, State: j.State, Total: j.Total, Issued: j.Issued, Failed: j.Failed, Skipped: j.Skipped,
		AchievementID: j.AchievementID, FileName: j.FileName, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, FinishedAt: j.FinishedAt}
}

// jobRowView is one row of a job.
type jobRowView struct {
	Row        int                    `json:"row"`
	State      cairn.AwardJobRowState `json:"state"`
	Column     string                 `json:"column,omitempty"`
	Reason     string                 `json:"reason,omitempty"`
	ExternalID string                 `json:"externalId,omitempty"`
	Recipient  string                 `json:"recipient,omitempty"`
	AwardID    string                 `json:"awardId,omitempty"`
}

func viewRow(r *cairn.AwardJobRow) jobRowView {
	return jobRowView{Row: r.Num, State: r.State, Column: r.Column, Reason: r.Reason, ExternalID: r.ExternalID,
		Recipient: r.Recipient, AwardID: r.AwardID}
}

// previewView is the answer of a dry run.
type previewView struct {
	DryRun    bool             `json:"dryRun"`
	Total     int              `json:"total"`
	Valid     int              `json:"valid"`
	Failed    int              `json:"failed"`
	Rows      []previewRowView `json:"rows"`
	Errors    []jobRowView     `json:"errors"`
	Truncated bool             `json:"errorsTruncated"`
}

type previewRowView struct {
	Row        int                `json:"row"`
	ExternalID string             `json:"externalId,omitempty"`
	Award      issuing.AwardInput `json:"award"`
}

func (s *Server) jobsEnabled() error {
	if s.Jobs == nil {
		return cairn.Errorf(cairn.Unavailable, "award jobs are not enabled on this server")
	}
	return nil
}

// uploadLimit is the body cap of POST /award-jobs: the file limit and room
// for a multipart envelope.
func (s *Server) uploadLimit() int64 {
	if s.Jobs == nil {
		return MaxJSONBody
	}
	return s.Jobs.MaxUploadBytes() + 1<<20
}

// idempotencyKey returns the request's Idempotency-Key ("" for none).
func idempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values("Idempotency-Key")
	if len(vals) == 0 {
		return "", nil
	}
	key := vals[0]
	if len(vals) > 1 || key == "" || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", badRequest("Idempotency-Key", "must be one value of 1 to %d visible ASCII characters", issuing.MaxIdemKeyLen)
	}
	if len(key) > issuing.MaxIdemKeyLen {
		return "", badRequest("Idempotency-Key", "is %d characters long; the limit is %d", len(key), issuing.MaxIdemKeyLen)
	}
	return key, nil
}

// createJob reads an uploaded CSV or XLSX file into an award job (202,
// Location) or, with dryRun=true, validates it and answers the preview.
func (s *Server) createJob(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.jobsEnabled(); err != nil {
		return err
	}
	q, err := query(r, "achievementId", "dryRun")
	if err != nil {
		return err
	}
	dry := false
	switch v := q.Get("dryRun"); v {
	case "", "false":
	case "true":
		dry = true
	default:
		return badRequest("dryRun", "%q: want true or false", v)
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	limit := s.Jobs.MaxUploadBytes()
	if r.ContentLength > s.uploadLimit() {
		return &requestError{status: http.StatusRequestEntityTooLarge, field: "file", detail: "the file is larger than the limit of " + byteSize(limit)}
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadDeadline))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadDeadline + time.Minute))

	up := jobs.Upload{AchievementID: q.Get("achievementId"), IdempotencyKey: key}
	if c.apiKey != nil {
		up.CreatedBy = "key:" + c.apiKey.ID
	} else {
		up.CreatedBy = "account:" + c.accountID
	}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch mt {
	case MediaCSV, MediaXLSX, "application/octet-stream", "application/vnd.ms-excel", "text/plain":
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return &requestError{status: http.StatusUnsupportedMediaType, field: "Content-Type", detail: "the file must be UTF-8, not " + cs}
		}
		up.Body = r.Body
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return badRequest("Content-Type", "malformed multipart body: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return badRequest("file", "the form has no file field")
			}
			if err != nil {
				if isMaxBytes(err) {
					return tooLarge(limit)
				}
				return badRequest("file", "malformed multipart body: %v", err)
			}
			if part.FormName() == "file" {
				up.Body, up.FileName = part, part.FileName()
				break
			}
			part.Close()
		}
	default:
		got := "no Content-Type"
		if ct != "" {
			got = "Content-Type " + strconv.Quote(ct)
		}
		return &requestError{status: http.StatusUnsupportedMediaType, field: "Content-Type",
			detail: "the request has " + got + "; send " + MediaCSV + ", " + MediaXLSX + " or multipart/form-data with a file field"}
	}
	if up.FileName == "" {
		up.FileName = r.Header.Get("Cairn-File-Name")
	}
	if dry {
		p, err := s.Jobs.DryRun(r.Context(), c.orgID, up)
		if err != nil {
			return s.uploadError(err)
		}
		v := previewView{DryRun: true, Total: p.Total, Valid: p.Valid, Failed: p.Failed, Truncated: p.Truncated,
			Rows: []previewRowView{}, Errors: []jobRowView{}}
		for _, pr := range p.Rows {
			v.Rows = append(v.Rows, previewRowView{Row: pr.Num, ExternalID: pr.ExternalID, Award: pr.Input})
		}
		for _, e := range p.Errors {
			v.Errors = append(v.Errors, viewRow(e))
		}
		return writeJSON(w, http.StatusOK, v)
	}
	j, replayed, err := s.Jobs.Create(r.Context(), c.orgID, up)
	if err != nil {
		return s.uploadError(err)
	}
	// The rest of the body (a retry's file, a form's trailer) is not read.
	w.Header().Set("Connection", "close")
	w.Header().Set("Location", Prefix+"/award-jobs/"+j.ID)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return writeJSON(w, http.StatusAccepted, viewJob(j))
}

// uploadError maps a too-large file to 413 naming the limit.
func (s *Server) uploadError(err error) error {
	var tl *jobs.TooLargeError
	if errors.As(err, &tl) || isMaxBytes(err) {
		limit := s.Jobs.MaxUploadBytes()
		return &requestError{status: http.StatusRequestEntityTooLarge, field: "file", detail: "the file is larger than the limit of " + byteSize(limit)}
	}
	return err
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.jobsEnabled(); err != nil {
		return err
	}
	q, err := query(r, "limit", "cursor")
	if err != nil {
		return err
	}
	limit := DefaultPageSize
	if v, ok := q["limit"]; ok {
		if limit, err = strconv.Atoi(v[0]); err != nil || limit < 1 || limit > MaxPageSize {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v[0], MaxPageSize)
		}
	}
	page, next, err := s.Jobs.Jobs(r.Context(), c.orgID, limit, q.Get("cursor"))
	if err != nil {
		if cairn.KindOf(err) == cairn.Invalid {
			return badRequest("cursor", "is not a cursor this server gave")
		}
		return err
	}
	items := make([]jobView, 0, len(page))
	for _, j := range page {
		items = append(items, viewJob(j))
	}
	body := map[string]any{"items": items, "next": nil}
	if next != "" {
		body["next"] = next
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.jobsEnabled(); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := query(r); err != nil {
		return err
	}
	j, err := s.Jobs.Job(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewJob(j))
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.jobsEnabled(); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	j, err := s.Jobs.Cancel(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewJob(j))
}

// Page sizes of GET /award-jobs/{id}/rows.
const (
	DefaultRowPage = 100
	MaxRowPage     = 1000
)

// jobRows answers a job's rows in file order, of one state with
// ?state=: a page of JSON, or every matching row as CSV (Accept: text/csv
// or ?format=csv) whose cells a spreadsheet will not run as formulas.
func (s *Server) jobRows(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := s.jobsEnabled(); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q, err := query(r, "state", "format", "limit", "after")
	if err != nil {
		return err
	}
	f := cairn.AwardJobRowFilter{OrgID: c.orgID, JobID: id, State: cairn.AwardJobRowState(q.Get("state")), Limit: DefaultRowPage}
	if f.State != "" && !f.State.Valid() {
		return badRequest("state", "%q: want pending, issued, failed or skipped", f.State)
	}
	if v, ok := q["limit"]; ok {
		if f.Limit, err = strconv.Atoi(v[0]); err != nil || f.Limit < 1 || f.Limit > MaxRowPage {
			return badRequest("limit", "%q: want a whole number from 1 to %d", v[0], MaxRowPage)
		}
	}
	if v, ok := q["after"]; ok {
		if f.After, err = strconv.Atoi(v[0]); err != nil || f.After < 0 {
			return badRequest("after", "%q: want a row number", v[0])
		}
	}
	asCSV := false
	switch q.Get("format") {
	case "csv":
		asCSV = true
	case "json":
	case "":
		asCSV = prefersCSV(r.Header.Get("Accept"))
	default:
		return badRequest("format", "%q: want csv or json", q.Get("format"))
	}
	if !asCSV {
		rows, next, err := s.Jobs.Rows(r.Context(), f)
		if err != nil {
			return err
		}
		items := make([]jobRowView, 0, len(rows))
		for _, row := range rows {
			items = append(items, viewRow(row))
		}
		body := map[string]any{"items": items, "next": nil}
		if next > 0 {
			body["next"] = next
		}
		return writeJSON(w, http.StatusOK, body)
	}
	// CSV: every matching row, a page at a time from the store.
	if _, err := s.Jobs.Job(r.Context(), f.OrgID, id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="award-job-`+id+`-rows.csv"`)
	if err := s.Jobs.WriteRowsCSV(r.Context(), w, f); err != nil {
		s.log().Warn("award job rows CSV cut off", "job", id, "err", err)
	}
	return nil
}

// prefersCSV reports whether an Accept header asks for CSV over JSON.
func prefersCSV(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "text/csv":
			return true
		case "application/json":
			return false
		}
	}
	return false
}

// SafeCell makes a value safe to put in a CSV cell that a spreadsheet
// opens (see sheet.SafeCell).
func SafeCell(v string) string { return sheet.SafeCell(v) }
