package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// awardJob is an award job as the API answers it.
type awardJob struct {
	ID                             string
	State                          string
	Total, Issued, Failed, Skipped int
}

type jobRow struct {
	Row            int
	Column, Reason string
}

// awardJobPoll is how often award-job asks for jobProgress.
var awardJobPoll = 500 * time.Millisecond

// runAwardJob uploads a CSV or XLSX file as an award job, shows its
// jobProgress and a summary; exit 1 if any row failed.
func runAwardJob(e *env, args []string) error {
	fs := newFlags(e, "award-job", "--server URL --key KEY [--achievement ID] [--dry-run] FILE")
	server := fs.String("server", os.Getenv("CAIRN_SERVER"), "the Cairn server's base URL (default $CAIRN_SERVER)")
	key := fs.String("key", os.Getenv("CAIRN_API_KEY"), "an API key with the issuer or owner role (default $CAIRN_API_KEY)")
	ach := fs.String("achievement", "", "the achievement of rows without an achievementId column")
	dry := fs.Bool("dry-run", false, "validate every row and show the preview; issue nothing")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("award-job: want one FILE (.csv or .xlsx)")
	}
	if *server == "" || *key == "" {
		return usagef("award-job: --server and --key are required")
	}
	base, err := url.Parse(strings.TrimRight(*server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usagef("award-job: --server %q: want http(s)://host", *server)
	}
	path := rest[0]
	f, err := os.Open(path)
	if err != nil {
		return usagef("award-job: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return usagef("award-job: %v", err)
	}
	ctype := "text/csv"
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	q := url.Values{}
	if *ach != "" {
		q.Set("achievementId", *ach)
	}
	if *dry {
		q.Set("dryRun", "true")
	}
	c := &apiClient{base: base.String(), key: *key, http: &http.Client{}}
	// One key per run: a retried upload answers the same job.
	var kb [16]byte
	rand.Read(kb[:])
	hdr := map[string]string{"Content-Type": ctype, "Idempotency-Key": "cli-" + hex.EncodeToString(kb[:]),
		"Cairn-File-Name": filepath.Base(path)}
	body, status, err := c.do(e.ctx, "POST", "/api/v1/award-jobs?"+q.Encode(), f, st.Size(), hdr)
	if err != nil {
		return err
	}
	if *dry {
		return printPreview(e, body)
	}
	if status != http.StatusAccepted {
		return fmt.Errorf("award-job: unexpected status %d", status)
	}
	var j awardJob
	if err := json.Unmarshal(body, &j); err != nil {
		return fmt.Errorf("award-job: the server answered %q", body)
	}
	fmt.Fprintf(e.stderr, "job %s: %d rows\n", j.ID, j.Total)
	bar := newJobProgress(e.stderr)
	for !finished(j.State) {
		bar.show(j)
		select {
		case <-e.ctx.Done():
			bar.done()
			return fmt.Errorf("award-job: interrupted; job %s goes on on the server (GET /api/v1/award-jobs/%s)", j.ID, j.ID)
		case <-time.After(awardJobPoll):
		}
		data, _, err := c.do(e.ctx, "GET", "/api/v1/award-jobs/"+j.ID, nil, 0, nil)
		if err != nil {
			bar.done()
			return err
		}
		if err := json.Unmarshal(data, &j); err != nil {
			bar.done()
			return fmt.Errorf("award-job: the server answered %q", data)
		}
	}
	bar.show(j)
	bar.done()
	fmt.Fprintf(e.stdout, "job %s %s: %d issued, %d failed, %d skipped of %d rows\n", j.ID, j.State, j.Issued, j.Failed, j.Skipped, j.Total)
	if j.Failed == 0 && j.State == "done" {
		return nil
	}
	if j.Failed > 0 {
		data, _, err := c.do(e.ctx, "GET", "/api/v1/award-jobs/"+j.ID+"/rows?state=failed&limit=20", nil, 0, nil)
		if err == nil {
			var rows struct{ Items []jobRow }
			if json.Unmarshal(data, &rows) == nil {
				printRowErrors(e.stderr, rows.Items, j.Failed)
			}
		}
		fmt.Fprintf(e.stderr, "every failed row: %s/api/v1/award-jobs/%s/rows?state=failed&format=csv\n", c.base, j.ID)
	}
	return &exitError{code: ExitFailed}
}

func finished(state string) bool { return state == "done" || state == "failed" || state == "cancelled" }

func printRowErrors(w io.Writer, rows []jobRow, total int) {
	for _, r := range rows {
		if r.Column != "" {
			fmt.Fprintf(w, "row %d, column %s: %s\n", r.Row, r.Column, r.Reason)
		} else {
			fmt.Fprintf(w, "row %d: %s\n", r.Row, r.Reason)
		}
	}
	if total > len(rows) {
		fmt.Fprintf(w, "… and %d more failed rows\n", total-len(rows))
	}
}

func printPreview(e *env, body []byte) error {
	var p struct {
		Total, Valid, Failed int
		Rows                 []struct {
			Row   int
			Award struct {
				AchievementID string
				Recipient     struct{ Email, DID, Name string }
			}
		}
		Errors    []jobRow
		Truncated bool `json:"errorsTruncated"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("award-job: the server answered %q", body)
	}
	for _, r := range p.Rows {
		fmt.Fprintf(e.stdout, "row %d: %s%s %s → %s\n", r.Row, r.Award.Recipient.Email, r.Award.Recipient.DID, r.Award.Recipient.Name, r.Award.AchievementID)
	}
	printRowErrors(e.stderr, p.Errors, p.Failed)
	fmt.Fprintf(e.stdout, "dry run: %d rows, %d would be issued, %d would fail; nothing was issued\n", p.Total, p.Valid, p.Failed)
	if p.Failed > 0 {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// apiClient calls a Cairn server's API with a key.
type apiClient struct {
	base, key string
	http      *http.Client
	cmd       string // the command its errors name ("award-job" when "")
}

// do sends a request and returns the body of a 2xx answer; any other
// answer is an error made of its problem document's detail.
func (c *apiClient) do(ctx context.Context, method, path string, body io.Reader, size int64, hdr map[string]string) ([]byte, int, error) {
	cmd := c.cmd
	if cmd == "" {
		cmd = "award-job"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, 0, err
	}
	if body != nil {
		req.ContentLength = size
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %v", cmd, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("%s: reading the answer: %v", cmd, err)
	}
	if resp.StatusCode/100 != 2 {
		var p struct{ Detail, Field string }
		if json.Unmarshal(data, &p) == nil && p.Detail != "" {
			return nil, resp.StatusCode, fmt.Errorf("%s: %d %s: %s", cmd, resp.StatusCode, http.StatusText(resp.StatusCode), p.Detail)
		}
		return nil, resp.StatusCode, fmt.Errorf("%s: %d %s", cmd, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return bytes.TrimSpace(data), resp.StatusCode, nil
}

// jobProgress draws a job's jobProgress on stderr: a bar redrawn in place on a
// terminal, a line every few seconds otherwise.
type jobProgress struct {
	w     io.Writer
	tty   bool
	last  time.Time
	drawn bool
}

func newJobProgress(w io.Writer) *jobProgress {
	p := &jobProgress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *jobProgress) show(j awardJob) {
	doneRows := j.Issued + j.Failed + j.Skipped
	pct := 100
	if j.Total > 0 {
		pct = doneRows * 100 / j.Total
	}
	if p.tty {
		const width = 30
		n := pct * width / 100
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d (%d failed) %s ", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, doneRows, j.Total, j.Failed, j.State)
		p.drawn = true
		return
	}
	if time.Since(p.last) < 3*time.Second && !finished(j.State) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "%d%% %d/%d rows (%d issued, %d failed) %s\n", pct, doneRows, j.Total, j.Issued, j.Failed, j.State)
}

func (p *jobProgress) done() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}
