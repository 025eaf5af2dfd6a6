package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The read phases can run with wrk (-wrk), an HTTP load generator in C
// that costs the machine several times less CPU per request than Go's
// client: on two cores, what the generator takes the server does not get.
// This program still issues the awards, lists the ids and picks each
// phase's requests; wrk sends them over -c keep-alive connections on
// -wrk-threads threads, with the requests made once (wrk.lua), and reports
// its latency histogram, which this program prints as a row of the same
// table.

//go:embed wrk.lua
var wrkScript []byte

// wrkResult is what wrk.lua's done() prints, after wrkMarker.
type wrkResult struct {
	Requests int64   `json:"requests"`
	Duration float64 `json:"duration"` // µs
	Bytes    int64   `json:"bytes"`
	P50      float64 `json:"p50"` // µs
	P95      float64 `json:"p95"`
	P99      float64 `json:"p99"`
	Max      float64 `json:"max"`
	Connect  int     `json:"connect"`
	Read     int     `json:"read"`
	Write    int     `json:"write"`
	Status   int     `json:"status"` // answers with a status above 399
	Timeout  int     `json:"timeout"`
}

const wrkMarker = "CAIRN-LOAD "

// wrkRequests returns the requests of a read phase, one a line for
// wrk.lua ("path" or "path<TAB>If-None-Match value"), the Accept header
// they send, whether each is to be sent once (cold), and the status a
// request must get.
func (l *loader) wrkRequests(ctx context.Context, phase string, budget int64) (lines []string, accept string, once bool, want int, err error) {
	hot := l.ids
	if l.cfg.hot > 0 && l.cfg.hot < len(hot) {
		hot = hot[:l.cfg.hot]
	}
	each := func(suffix string) {
		for _, id := range hot {
			lines = append(lines, "/credentials/"+id+suffix)
		}
	}
	want = http.StatusOK
	switch phase {
	case "json":
		each(".json")
	case "vcld":
		each("")
		accept = "application/vc+ld+json"
	case "page":
		each("")
		accept = "text/html"
	case "png":
		each(".png")
	case "etag":
		// Each page's current ETag, as a browser that has the page sends
		// it back.
		accept, want = "text/html", http.StatusNotModified
		for _, id := range hot {
			path := "/credentials/" + id
			code, etag := l.getIf(ctx, path, accept, false)
			if code != http.StatusOK || etag == "" {
				return nil, "", false, 0, fmt.Errorf("etag: GET %s: status %d, ETag %q", path, code, etag)
			}
			lines = append(lines, path+"\t"+etag)
		}
	case "cold":
		accept, once = "text/html", true
		from := l.cold.Load()
		for _, id := range l.ids[from : from+budget] {
			lines = append(lines, "/credentials/"+id)
		}
	default:
		return nil, "", false, 0, fmt.Errorf("phase %q does not run with wrk", phase)
	}
	return lines, accept, once, want, nil
}

// wrkMeasure runs one read phase with wrk: a warm-up run, then the
// measured one.
func (l *loader) wrkMeasure(ctx context.Context, phase string, c int, warmup time.Duration, budget int64) (result, error) {
	lines, accept, once, want, err := l.wrkRequests(ctx, phase, budget)
	if err != nil {
		return result{}, err
	}
	// One request through Go's client first: the phase must get the
	// status it expects (wrk counts only answers above 399 as errors).
	if !once {
		path, etag, _ := strings.Cut(lines[0], "\t")
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.base+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if l.cfg.gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := l.client.Do(req)
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", phase, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			return result{}, fmt.Errorf("%s: GET %s: status %d, want %d", phase, path, resp.StatusCode, want)
		}
	}
	dir, err := os.MkdirTemp("", "cairn-wrk")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	script, reqs := filepath.Join(dir, "wrk.lua"), filepath.Join(dir, "requests")
	if err := os.WriteFile(script, wrkScript, 0o600); err != nil {
		return result{}, err
	}
	if err := os.WriteFile(reqs, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return result{}, err
	}
	threads := min(max(l.cfg.wrkThreads, 1), c, len(lines))
	gz := "0"
	if l.cfg.gzip {
		gz = "1"
	}
	mode := "cycle"
	if once {
		mode = "once"
	}
	run := func(d time.Duration) (wrkResult, time.Duration, float64, float64, error) {
		secs := max(1, int((d+time.Second-1)/time.Second)) // wrk counts whole seconds
		donefile := filepath.Join(dir, "done")
		os.Remove(donefile)
		cmd := exec.CommandContext(ctx, l.cfg.wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(c),
			"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", script, l.cfg.base,
			"--", reqs, mode, accept, gz, strconv.Itoa(threads), donefile, strconv.FormatFloat(l.rate/float64(threads), 'f', 3, 64))
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		srv0 := cpuSeconds(l.cfg.serverPID)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return wrkResult{}, 0, 0, 0, fmt.Errorf("wrk: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		var elapsed time.Duration
		var srv float64
	wait:
		for tick := time.NewTicker(5 * time.Millisecond); ; {
			select {
			case err = <-exited:
				tick.Stop()
				elapsed, srv = time.Since(start), cpuSeconds(l.cfg.serverPID)-srv0
				break wait
			case <-tick.C:
				// Once mode: every thread done, so the server's work
				// is over; wrk would wait for its -d.
				if b, _ := os.ReadFile(donefile); once && bytes.Count(b, []byte("\n")) >= threads {
					tick.Stop()
					elapsed, srv = time.Since(start), cpuSeconds(l.cfg.serverPID)-srv0
					_ = cmd.Process.Signal(os.Interrupt) // wrk prints its results and ends
					err = <-exited
					break wait
				}
			}
		}
		if err != nil {
			return wrkResult{}, 0, 0, 0, fmt.Errorf("wrk: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
		gen := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		var wr wrkResult
		sc := bufio.NewScanner(&out)
		found := false
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), wrkMarker); ok {
				found = json.Unmarshal([]byte(s), &wr) == nil
			}
		}
		if !found {
			return wrkResult{}, 0, 0, 0, errors.New("wrk printed no result: " + strings.TrimSpace(out.String()+stderr.String()))
		}
		return wr, elapsed, srv, gen, nil
	}
	if warmup > 0 {
		if _, _, _, _, err := run(warmup); err != nil {
			return result{}, err
		}
	}
	wr, elapsed, srv, gen, err := run(l.cfg.duration)
	if err != nil {
		return result{}, err
	}
	if once {
		l.cold.Add(min(budget, wr.Requests+int64(c))) // those read, and those in flight when it stopped
	}
	secs := wr.Duration / 1e6
	if secs <= 0 {
		secs = elapsed.Seconds()
	}
	res := result{Concurrency: c, Requests: int(wr.Requests - int64(wr.Status)), Seconds: secs,
		P50: wr.P50 / 1e3, P95: wr.P95 / 1e3, P99: wr.P99 / 1e3, Max: wr.Max / 1e3,
		ServerCores: srv / secs, LoadCores: gen / secs, Generator: "wrk",
		BytesPerRequest: float64(wr.Bytes) / float64(max(wr.Requests, 1))}
	res.PerSecond = float64(res.Requests) / secs
	if wr.Requests > 0 {
		res.ServerMicros = srv / float64(wr.Requests) * 1e6
	}
	errs := map[string]int{}
	for k, v := range map[string]int{"status>399": wr.Status, "connect": wr.Connect, "read": wr.Read, "write": wr.Write, "timeout": wr.Timeout} {
		if v > 0 {
			errs[k] = v
		}
	}
	if len(errs) > 0 {
		res.Errors = errs
	}
	return res, nil
}
