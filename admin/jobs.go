package admin

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/jobs"
)

// The Bulk issue pages: upload a CSV or XLSX file, see the preview (a dry
// run: the first rows as they would be issued and every row error), start
// the job, watch its progress, download the failed rows.

const (
	// maxJobUploadUI bounds a file uploaded through the staff pages; larger
	// files go through the API or cairn award-job, which stream them.
	maxJobUploadUI = 64 << 20
	// stagedTTL is how long an uploaded file waits for its Start.
	stagedTTL = time.Hour
	// jobRowsShown is how many failed rows the job page lists.
	jobRowsShown = 100
)

// jobUpload raises the body limit of the upload form to maxJobUploadUI.
func (h *Handler) jobUpload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxJobUploadUI+64<<10)
		next.ServeHTTP(w, r)
	})
}

// jobsPage is the data of the job list and upload form.
type jobsPage struct {
	Achievements []*cairn.Achievement
	Achievement  string
	Jobs         []*cairn.AwardJob
	Next         string
	Errors       fieldErrors
	MaxMiB       int
}

// jobPreviewPage is the data of the preview of an upload.
type jobPreviewPage struct {
	Token, FileName, Achievement string
	AchievementName              string
	Preview                      *jobs.Preview
	Names                        map[string]string // achievement names by id
}

// jobPage is the data of one job's page.
type jobPage struct {
	Job         *cairn.AwardJob
	Achievement string
	Failed      []*cairn.AwardJobRow
	MoreFailed  bool
	Percent     int
}

func (h *Handler) jobsList(w http.ResponseWriter, r *http.Request, a *actor) {
	h.renderJobs(w, r, a, http.StatusOK, jobsPage{Achievement: r.URL.Query().Get("achievement")})
}

func (h *Handler) renderJobs(w http.ResponseWriter, r *http.Request, a *actor, status int, p jobsPage) {
	ctx := r.Context()
	var err error
	if p.Achievements, err = h.store.Achievements(ctx, a.Org.ID, ""); err != nil {
		h.fail(w, r, a, err)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	if len(cursor) > 200 {
		cursor = ""
	}
	var next string
	if p.Jobs, next, err = h.jobs.Jobs(ctx, a.Org.ID, 25, cursor); err != nil {
		h.fail(w, r, a, err)
		return
	}
	if next != "" {
		p.Next = h.path("/admin/award-jobs?cursor=" + next)
	}
	p.MaxMiB = maxJobUploadUI >> 20
	h.render(w, r, status, "jobs.html", view{Title: h.t(r, a, "Bulk issue"), Actor: a, Nav: "jobs", Data: p})
}

// jobTemplate is a sample file with every column.
func (h *Handler) jobTemplate(w http.ResponseWriter, r *http.Request, a *actor) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="award-job-template.csv"`)
	io.WriteString(w, "email,name,showName,narrative,evidenceUrl,evidenceName,validFrom,validUntil,creditsEarned,externalId\r\n"+
		"ada@example.org,Ada Lovelace,true,Completed the course with distinction.,https://example.org/work/ada,Final project,,,,row-1\r\n")
}

// jobPreview reads the uploaded file, keeps it for the Start button, and
// shows the dry run.
func (h *Handler) jobPreview(w http.ResponseWriter, r *http.Request, a *actor) {
	p := jobsPage{Achievement: r.FormValue("achievement")}
	f, fh, err := r.FormFile("file")
	if err != nil {
		p.Errors = p.Errors.add("file", "Choose a CSV or XLSX file.")
		h.renderJobs(w, r, a, http.StatusBadRequest, p)
		return
	}
	defer f.Close()
	if fh.Size > maxJobUploadUI {
		p.Errors = p.Errors.add("file", "This file is larger than "+strconv.Itoa(maxJobUploadUI>>20)+" MiB: upload it with cairn award-job or the API instead.")
		h.renderJobs(w, r, a, http.StatusRequestEntityTooLarge, p)
		return
	}
	token, err := h.stage(a.Org.ID, f)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.showPreview(w, r, a, token, fh.Filename, p.Achievement)
}

func (h *Handler) showPreview(w http.ResponseWriter, r *http.Request, a *actor, token, name, achID string) {
	ctx := r.Context()
	file, err := h.staged(a.Org.ID, token)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	defer file.Close()
	pv, err := h.jobs.DryRun(ctx, a.Org.ID, jobs.Upload{Body: file, FileName: name, AchievementID: achID})
	if err != nil {
		if k := cairn.KindOf(err); k == cairn.Invalid || k == cairn.NotFound {
			p := jobsPage{Achievement: achID}
			field := cairn.FieldOf(err)
			if field != "achievementId" {
				field = "file"
			} else {
				field = "achievement"
			}
			p.Errors = p.Errors.add(field, cairn.PublicMessage(err))
			h.renderJobs(w, r, a, http.StatusUnprocessableEntity, p)
			return
		}
		h.fail(w, r, a, err)
		return
	}
	achs, err := h.store.Achievements(ctx, a.Org.ID, "")
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	names := map[string]string{}
	for _, ach := range achs {
		names[ach.ID] = ach.Name
	}
	h.render(w, r, http.StatusOK, "job_preview.html", view{Title: h.t(r, a, "Preview: %s", name), Actor: a, Nav: "jobs",
		Data: jobPreviewPage{Token: token, FileName: name, Achievement: achID, AchievementName: names[achID], Preview: pv, Names: names}})
}

// jobStart creates the job from a staged file. The job's idempotency key
// is the staged file's token, so a second click returns the same job.
func (h *Handler) jobStart(w http.ResponseWriter, r *http.Request, a *actor) {
	token, name, achID := r.FormValue("token"), r.FormValue("fileName"), r.FormValue("achievement")
	file, err := h.staged(a.Org.ID, token)
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	defer file.Close()
	if len(name) > 255 {
		name = name[:255]
	}
	job, _, err := h.jobs.Create(r.Context(), a.Org.ID, jobs.Upload{Body: file, FileName: name, AchievementID: achID,
		IdempotencyKey: "admin:" + token, CreatedBy: "account:" + a.Account.ID})
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	h.redirect(w, r, "/admin/award-jobs/"+job.ID)
}

func (h *Handler) jobShow(w http.ResponseWriter, r *http.Request, a *actor) {
	ctx := r.Context()
	job, err := h.jobs.Job(ctx, a.Org.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	p := jobPage{Job: job, Percent: percent(job)}
	if job.AchievementID != "" {
		if ach, err := h.store.Achievement(ctx, a.Org.ID, job.AchievementID); err == nil {
			p.Achievement = ach.Name
		}
	}
	if job.Failed > 0 {
		rows, next, err := h.jobs.Rows(ctx, cairn.AwardJobRowFilter{OrgID: a.Org.ID, JobID: job.ID, State: cairn.RowFailed, Limit: jobRowsShown})
		if err != nil {
			h.fail(w, r, a, err)
			return
		}
		p.Failed, p.MoreFailed = rows, next > 0
	}
	h.render(w, r, http.StatusOK, "job.html", view{Title: h.t(r, a, "Bulk issue: %s", job.FileName), Actor: a, Nav: "jobs", Data: p, Script: true})
}

// jobProgress is the JSON the job page's script polls.
func (h *Handler) jobProgress(w http.ResponseWriter, r *http.Request, a *actor) {
	job, err := h.jobs.Job(r.Context(), a.Org.ID, r.PathValue("id"))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"not found"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"id": job.ID, "state": job.State, "total": job.Total, "issued": job.Issued,
		"failed": job.Failed, "skipped": job.Skipped, "percent": percent(job), "finished": job.State.Finished()})
}

func (h *Handler) jobFailedCSV(w http.ResponseWriter, r *http.Request, a *actor) {
	job, err := h.jobs.Job(r.Context(), a.Org.ID, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, a, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="award-job-`+job.ID+`-failed.csv"`)
	if err := h.jobs.WriteRowsCSV(r.Context(), w, cairn.AwardJobRowFilter{OrgID: a.Org.ID, JobID: job.ID, State: cairn.RowFailed}); err != nil {
		h.log.Warn("failed rows CSV cut off", "job", job.ID, "err", err)
	}
}

func (h *Handler) jobCancel(w http.ResponseWriter, r *http.Request, a *actor) {
	job, err := h.jobs.Cancel(r.Context(), a.Org.ID, r.PathValue("id"))
	if err != nil && cairn.KindOf(err) != cairn.Conflict {
		h.fail(w, r, a, err)
		return
	}
	id := r.PathValue("id")
	if job != nil {
		id = job.ID
	}
	h.redirect(w, r, "/admin/award-jobs/"+id)
}

// percent is how much of a job is behind it.
func percent(j *cairn.AwardJob) int {
	if j.Total == 0 {
		if j.State.Finished() {
			return 100
		}
		return 0
	}
	return (j.Issued + j.Failed + j.Skipped) * 100 / j.Total
}

// stageDir holds uploaded files between the preview and the Start.
func stageDir() string { return filepath.Join(os.TempDir(), "cairn-award-uploads") }

// stage keeps an uploaded file for its Start and returns its token. Files
// older than stagedTTL are removed on the way.
func (h *Handler) stage(orgID string, f io.Reader) (string, error) {
	dir := stageDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", cairn.Wrapf(cairn.Unavailable, err, "cannot keep the uploaded file")
	}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > stagedTTL {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	var b [16]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	out, err := os.OpenFile(filepath.Join(dir, orgFileName(orgID, token)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", cairn.Wrapf(cairn.Unavailable, err, "cannot keep the uploaded file")
	}
	if _, err := io.Copy(out, io.LimitReader(f, maxJobUploadUI+1)); err != nil {
		out.Close()
		os.Remove(out.Name())
		return "", cairn.Wrapf(cairn.Unavailable, err, "cannot keep the uploaded file")
	}
	return token, out.Close()
}

// staged opens a file stage kept for the organization.
func (h *Handler) staged(orgID, token string) (*os.File, error) {
	if len(token) != 32 || strings.Trim(token, "0123456789abcdef") != "" {
		return nil, cairn.Invalidf("token", "This upload is not known: upload the file again.")
	}
	f, err := os.Open(filepath.Join(stageDir(), orgFileName(orgID, token)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, cairn.Errorf(cairn.NotFound, "This upload has expired (files wait an hour for Start): upload it again.")
	}
	if err != nil {
		return nil, cairn.Wrapf(cairn.Unavailable, err, "cannot read the uploaded file")
	}
	return f, nil
}

// orgFileName names a staged file after its organization, so that a token
// of one organization opens nothing for another.
func orgFileName(orgID, token string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, strings.ToLower(orgID))
	return safe + "." + token + ".upload"
}
