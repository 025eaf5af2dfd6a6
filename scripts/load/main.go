// Command load is Cairn's bounded load generator, run by scripts/load.sh
// against a server on the loopback interface. It runs phases in order, each
// at each concurrency given, for a fixed time or request count:
//
//	issue  POST /api/v1/awards (unique Idempotency-Key and recipient each)
//	json   GET /credentials/{id}.json
//	vcld   GET /credentials/{id} with Accept: application/vc+ld+json
//	page   GET /credentials/{id} (the HTML page)
//	etag   the page again with If-None-Match: the ETag of the id's last
//	       answer (a 304 counts as success)
//	png    GET /credentials/{id}.png (the baked badge)
//	cold   the page of each id past the hot ones once, without warm-up:
//	       a first view (rendered ahead by the server's page worker while
//	       the issue phase ran, or on the spot when the worker is behind)
//
// A read phase but cold given as NAME@RATE (json@12000) sends RATE
// requests a second, with -wrk: its latency at that load, rather than at
// the most the server answers (-rate sets it for every read phase).
//
// With -gzip, read requests say Accept-Encoding: gzip (as browsers do; the
// body is counted, not decompressed). With -wrk, the read phases run with
// wrk (see wrk.go), which costs the machine much less CPU than Go's client.
//
// It prints one row per phase and concurrency: requests, throughput,
// latency percentiles, the CPU the server and the generator used (in
// cores, and the server's per request) and errors by status. The read phases cycle over the ids the issue phase made,
// or, without it, the ids GET /api/v1/awards lists: json, vcld and page over
// the first -hot of them (popular credentials, pages cached by the server),
// cold over the others, once each. It refuses any address outside the loopback range.
//
//	go run ./scripts/load -base http://127.0.0.1:8080 -key cairn_… -achievement ID
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	base, key, achievement string
	formats                []string
	duration, warmup       time.Duration
	maxRequests            int64
	maxIDs, hot            int
	serverPID              int
	gzip                   bool
	settle                 time.Duration
	wrk                    string // the wrk binary for the read phases ("": Go clients)
	metrics                string // the server's /metrics URL (-wait-pages)
	waitPages              bool
	wrkThreads             int
	rate                   float64 // -rate
}

func main() {
	var (
		cfg        config
		phases     = flag.String("phase", "issue,json,vcld,page,cold", "phases to run, in order: issue, json, vcld, page, etag, png, cold")
		conc       = flag.String("c", "16", "concurrencies (clients) to run each phase at, comma-separated")
		issueConc  = flag.String("issue-c", "", "concurrencies for the issue phase (default: -c)")
		formats    = flag.String("formats", "di", "formats of the issued awards: di, jwt or di,jwt")
		timeout    = flag.Duration("timeout", 5*time.Minute, "hard limit on the whole run")
		header     = flag.Bool("header", true, "print the table's header")
		jsonOutput = flag.Bool("json", false, "print one JSON object per row instead of the table")
	)
	flag.StringVar(&cfg.base, "base", "http://127.0.0.1:8080", "the server's base URL (loopback only)")
	flag.StringVar(&cfg.key, "key", os.Getenv("CAIRN_LOAD_KEY"), "API key for the issue phase and for listing ids (CAIRN_LOAD_KEY)")
	flag.StringVar(&cfg.achievement, "achievement", "", "achievement id to issue")
	flag.DurationVar(&cfg.duration, "d", 20*time.Second, "measured duration of each phase at each concurrency")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each measurement")
	flag.Int64Var(&cfg.maxRequests, "n", 200000, "at most this many measured requests per phase and concurrency")
	flag.IntVar(&cfg.maxIDs, "ids", 20000, "at most this many credential ids to keep (listed when no issue phase runs)")
	flag.IntVar(&cfg.hot, "hot", 200, "json, vcld and page cycle over the first this many ids only (0: all): popular credentials; cold reads the others once")
	flag.DurationVar(&cfg.settle, "settle", 0, "pause after the issue phase (the server's page worker renders the new awards' pages meanwhile)")
	flag.StringVar(&cfg.metrics, "metrics", "", "the server's /metrics URL (loopback), for -wait-pages")
	flag.BoolVar(&cfg.waitPages, "wait-pages", false, "after the issue phase (and -settle), wait until the server's page worker has rendered every page queued (cairn_pages_queued 0 at -metrics), so that the read phases measure reads, not reads beside rendering")
	flag.BoolVar(&cfg.gzip, "gzip", false, "read requests accept gzip (Accept-Encoding: gzip)")
	flag.StringVar(&cfg.wrk, "wrk", "", "run the read phases with this wrk binary instead of Go clients (much cheaper on the machine's CPU)")
	flag.IntVar(&cfg.wrkThreads, "wrk-threads", 1, "threads of wrk (each an event loop serving its share of the -c connections)")
	flag.Float64Var(&cfg.rate, "rate", 0, "with -wrk, the requests a second the read phases but cold send (0: as many as the server answers): the latency at that rate")
	flag.IntVar(&cfg.serverPID, "pid", 0, "the server's process id, to report the cores it and the generator use (Linux)")
	flag.Parse()
	cfg.formats = strings.Split(*formats, ",")
	if err := run(cfg, strings.Split(*phases, ","), *conc, *issueConc, *timeout, *header, *jsonOutput); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(cfg config, phases []string, conc, issueConc string, timeout time.Duration, header, jsonOutput bool) error {
	if err := loopbackOnly(cfg.base); err != nil {
		return err
	}
	cfg.base = strings.TrimRight(cfg.base, "/")
	cs, err := parseInts(conc)
	if err != nil {
		return fmt.Errorf("-c: %w", err)
	}
	ics := cs
	if issueConc != "" {
		if ics, err = parseInts(issueConc); err != nil {
			return fmt.Errorf("-issue-c: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client := newClient(slices.Max(append(slices.Clone(cs), ics...)))
	l := &loader{cfg: cfg, client: client, run: strconv.FormatInt(time.Now().UnixNano(), 36)}
	if header && !jsonOutput {
		fmt.Printf("%-10s %4s %8s %9s %8s %8s %8s %8s %5s %5s %7s %4s  %s\n", "phase", "c", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "srv", "gen", "srv µs", "by", "errors")
	}
	for _, p := range phases {
		// A read phase NAME@RATE sends RATE requests a second (with -wrk).
		name, at, limited := strings.Cut(p, "@")
		l.rate = l.cfg.rate
		if limited {
			r, err := strconv.ParseFloat(at, 64)
			if err != nil || r <= 0 || name == "issue" || name == "cold" || l.cfg.wrk == "" {
				return fmt.Errorf("phase %q: @RATE takes a positive number of requests a second, for a read phase other than cold, with -wrk", p)
			}
			l.rate = r
		}
		do, ok := l.phase(name)
		if !ok {
			return fmt.Errorf("unknown phase %q: want issue, json, vcld, page, etag, png or cold (each read phase but cold also as NAME@RATE)", p)
		}
		p := name
		if p != "issue" && len(l.ids) == 0 {
			if err := l.listIDs(ctx); err != nil {
				return err
			}
		}
		for _, c := range map[bool][]int{true: ics, false: cs}[p == "issue"] {
			warmup, budget := l.cfg.warmup, l.cfg.maxRequests
			if p == "cold" {
				// Each id once, past the hot ones, without warm-up: every
				// page is rendered anew.
				if l.cold.Load() < int64(l.cfg.hot) {
					l.cold.Store(int64(l.cfg.hot))
				}
				warmup, budget = 0, min(budget, int64(len(l.ids))-l.cold.Load())
				if budget <= 0 {
					return errors.New("cold: every id has been read; issue more awards")
				}
			}
			var res result
			_, rendered0, merr := l.pageMetrics(ctx)
			if l.cfg.wrk != "" && p != "issue" {
				if res, err = l.wrkMeasure(ctx, p, c, warmup, budget); err != nil {
					return err
				}
			} else {
				res = l.measure(ctx, c, warmup, budget, do)
			}
			res.Phase = p
			if limited {
				res.Phase += "@" + at
			}
			if _, rendered1, err := l.pageMetrics(ctx); merr == nil && err == nil {
				// Pages rendered beside the reads took some of the
				// server's CPU.
				res.Rendered = int(rendered1 - rendered0)
			}
			if jsonOutput {
				b, _ := json.Marshal(res)
				fmt.Println(string(b))
			} else {
				res.print()
			}
			if ctx.Err() != nil {
				return errors.New("stopped by -timeout")
			}
		}
		if p == "issue" && l.cfg.settle > 0 {
			select {
			case <-ctx.Done():
				return errors.New("stopped by -timeout")
			case <-time.After(l.cfg.settle):
			}
		}
		if p == "issue" && l.cfg.waitPages {
			if err := l.waitPages(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitPages waits until the server's page worker has no page queued, and
// says how long that took.
func (l *loader) waitPages(ctx context.Context) error {
	if l.cfg.metrics == "" {
		return errors.New("-wait-pages needs -metrics")
	}
	if err := loopbackOnly(l.cfg.metrics); err != nil {
		return err
	}
	start := time.Now()
	for {
		queued, rendered, err := l.pageMetrics(ctx)
		if err != nil {
			return err
		}
		if queued == 0 {
			fmt.Printf("# page worker: nothing queued %.0f s after the issue phase (%.0f pages rendered ahead since the start)\n", time.Since(start).Seconds(), rendered)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped by -timeout with %.0f pages queued", queued)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// pageMetrics reads cairn_pages_queued and cairn_pages_prerendered_total.
func (l *loader) pageMetrics(ctx context.Context) (queued, rendered float64, err error) {
	if l.cfg.metrics == "" {
		return 0, 0, errors.New("no -metrics")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.metrics, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("metrics: %s %v", resp.Status, err)
	}
	found := false
	for line := range strings.SplitSeq(string(b), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch name {
		case "cairn_pages_queued":
			queued, found = f, true
		case "cairn_pages_prerendered_total":
			rendered = f
		}
	}
	if !found {
		return 0, 0, errors.New("metrics: no cairn_pages_queued")
	}
	return queued, rendered, nil
}

// loopbackOnly refuses a base URL whose host is not a loopback address.
func loopbackOnly(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("-base %q: want an http URL", base)
	}
	h := u.Hostname()
	if h == "localhost" {
		return nil
	}
	if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-base %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be loaded", base)
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("%q: want whole numbers from 1 to 1024", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// newClient keeps one connection per client alive between requests.
func newClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	t.DisableCompression = true
	t.ForceAttemptHTTP2 = false
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// request is one request of a phase; it returns the status code (0 for a
// transport error).
type request func(ctx context.Context) int

type loader struct {
	cfg    config
	client *http.Client
	run    string       // makes idempotency keys unique across runs
	seq    atomic.Int64 // numbers issued awards and picks the ids to read
	cold   atomic.Int64 // ids[cold:] have not been read by the cold phase
	rate   float64      // requests a second of the phase measured (0: as many as answered)

	mu  sync.Mutex
	ids []string

	etags sync.Map // path → the ETag of its last answer (etag phase)
}

func (l *loader) phase(name string) (request, bool) {
	hot := func(path, accept string) request {
		return func(ctx context.Context) int { return l.get(ctx, "/credentials/"+l.id()+path, accept) }
	}
	switch name {
	case "issue":
		return l.issue, true
	case "json":
		return hot(".json", ""), true
	case "vcld":
		return hot("", "application/vc+ld+json"), true
	case "page":
		return hot("", "text/html"), true
	case "etag":
		return func(ctx context.Context) int {
			path := "/credentials/" + l.id()
			code, etag := l.getIf(ctx, path, "text/html", true)
			if etag != "" {
				l.etags.Store(path, etag)
			}
			if code == http.StatusNotModified {
				return http.StatusOK
			}
			return code
		}, true
	case "png":
		return hot(".png", ""), true
	case "cold":
		return func(ctx context.Context) int {
			return l.get(ctx, "/credentials/"+l.ids[int(l.cold.Add(1)-1)%len(l.ids)], "text/html")
		}, true
	}
	return nil, false
}

// id returns the next of the first -hot ids to read.
func (l *loader) id() string {
	k := len(l.ids)
	if l.cfg.hot > 0 && l.cfg.hot < k {
		k = l.cfg.hot
	}
	return l.ids[int(l.seq.Add(1))%k]
}

func (l *loader) issue(ctx context.Context) int {
	n := l.seq.Add(1)
	body, _ := json.Marshal(map[string]any{
		"achievementId": l.cfg.achievement,
		"recipient":     map[string]any{"email": fmt.Sprintf("learner-%s-%d@example.org", l.run, n), "name": "Load Learner " + strconv.FormatInt(n, 10), "showName": true},
		"narrative":     "Issued by scripts/load.",
		"formats":       l.cfg.formats,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.cfg.base+"/api/v1/awards", bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+l.cfg.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "load-"+l.run+"-"+strconv.FormatInt(n, 10))
	resp, err := l.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if resp.StatusCode == http.StatusCreated && json.NewDecoder(resp.Body).Decode(&out) == nil && out.ID != "" {
		l.mu.Lock()
		if len(l.ids) < l.cfg.maxIDs {
			l.ids = append(l.ids, out.ID)
		}
		l.mu.Unlock()
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func (l *loader) get(ctx context.Context, path, accept string) int {
	code, _ := l.getIf(ctx, path, accept, false)
	return code
}

// getIf GETs path, conditional: with If-None-Match when the etag phase saw
// an ETag for it, and returns the status and the answer's ETag. An empty
// body is an error, but for a 304.
func (l *loader) getIf(ctx context.Context, path, accept string, conditional bool) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.base+path, nil)
	if err != nil {
		return 0, ""
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if l.cfg.gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	if etag, ok := l.etags.Load(path); ok && conditional {
		req.Header.Set("If-None-Match", etag.(string))
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	if n, err := io.Copy(io.Discard, resp.Body); err != nil || n == 0 && resp.StatusCode != http.StatusNotModified {
		return 0, ""
	}
	return resp.StatusCode, resp.Header.Get("ETag")
}

// listIDs reads credential ids from GET /api/v1/awards, page by page.
func (l *loader) listIDs(ctx context.Context) error {
	next := l.cfg.base + "/api/v1/awards?limit=200"
	for next != "" && len(l.ids) < l.cfg.maxIDs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+l.cfg.key)
		resp, err := l.client.Do(req)
		if err != nil {
			return fmt.Errorf("listing awards: %w", err)
		}
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return fmt.Errorf("listing awards: %s (%v)", resp.Status, err)
		}
		for _, it := range page.Items {
			l.ids = append(l.ids, it.ID)
		}
		next = ""
		if link := resp.Header.Get("Link"); strings.Contains(link, `rel="next"`) {
			u := strings.TrimPrefix(strings.SplitN(link, ">", 2)[0], "<")
			if ref, err := url.Parse(u); err == nil {
				base, _ := url.Parse(l.cfg.base)
				next = base.ResolveReference(ref).String()
			}
		}
	}
	if len(l.ids) == 0 {
		return errors.New("no awards to read: run the issue phase first")
	}
	return nil
}

// result is one row of the table.
type result struct {
	Phase       string  `json:"phase"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"perSecond"`
	P50         float64 `json:"p50ms"`
	P95         float64 `json:"p95ms"`
	P99         float64 `json:"p99ms"`
	Max         float64 `json:"maxms"`
	ServerCores float64 `json:"serverCores"` // CPU the server used, in cores
	LoadCores   float64 `json:"loadCores"`   // CPU the generator used, in cores
	// ServerMicros is the server's CPU per request answered, in µs.
	ServerMicros float64 `json:"serverMicrosPerRequest"`
	// Generator is "go" or "wrk".
	Generator string `json:"generator"`
	// BytesPerRequest is the mean size of an answer, headers included
	// (wrk only).
	BytesPerRequest float64        `json:"bytesPerRequest,omitempty"`
	Errors          map[string]int `json:"errors,omitempty"`
	// Rendered is how many pages the server's page worker rendered during
	// the row (with -metrics).
	Rendered int `json:"rendered,omitempty"`
}

// measure runs c clients for the warm-up, then measures them for the
// phase's duration or request budget, whichever ends first.
func (l *loader) measure(ctx context.Context, c int, warmup time.Duration, budget int64, do request) result {
	if warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, warmup)
		l.clients(wctx, c, 1<<62, do)
		cancel()
	}
	mctx, cancel := context.WithTimeout(ctx, l.cfg.duration)
	defer cancel()
	srv0, gen0 := cpuSeconds(l.cfg.serverPID), cpuSeconds(os.Getpid())
	start := time.Now()
	samples, errs := l.clients(mctx, c, budget, do)
	elapsed := time.Since(start).Seconds()
	srv1, gen1 := cpuSeconds(l.cfg.serverPID), cpuSeconds(os.Getpid())
	var perReq float64
	if n := len(samples) + sum(errs); n > 0 {
		perReq = (srv1 - srv0) / float64(n) * 1e6
	}
	slices.Sort(samples)
	ms := func(q float64) float64 {
		if len(samples) == 0 {
			return 0
		}
		return float64(samples[min(len(samples)-1, int(q*float64(len(samples))))]) / 1e6
	}
	return result{Concurrency: c, Requests: len(samples), Seconds: elapsed, PerSecond: float64(len(samples)) / elapsed,
		P50: ms(.50), P95: ms(.95), P99: ms(.99), Max: ms(1), Errors: errs,
		ServerCores: (srv1 - srv0) / elapsed, LoadCores: (gen1 - gen0) / elapsed, ServerMicros: perReq, Generator: "go"}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// cpuSeconds is the CPU time (user and system) process pid has used, from
// /proc; 0 when it cannot be read.
func cpuSeconds(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces) start at
	// state; utime and stime are the 12th and 13th of them, in ticks of
	// 1/100 s (USER_HZ on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100
}

// clients runs c clients until ctx ends or budget requests have started;
// it returns the latencies of the successful requests and counts the
// others by status. Requests cut short by the deadline are not counted.
func (l *loader) clients(ctx context.Context, c int, budget int64, do request) ([]time.Duration, map[string]int) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		started atomic.Int64
		all     []time.Duration
		errs    = map[string]int{}
	)
	for range c {
		wg.Go(func() {
			var mine []time.Duration
			bad := map[string]int{}
			for ctx.Err() == nil {
				if started.Add(1) > budget {
					break
				}
				t := time.Now()
				code := do(ctx)
				d := time.Since(t)
				switch {
				case ctx.Err() != nil:
				case code >= 200 && code < 300:
					mine = append(mine, d)
				case code == 0:
					bad["net"]++
				default:
					bad[strconv.Itoa(code)]++
				}
			}
			mu.Lock()
			all = append(all, mine...)
			for k, v := range bad {
				errs[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, errs
}

func (r result) print() {
	var e []string
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		e = append(e, fmt.Sprintf("%s×%d", k, r.Errors[k]))
	}
	if len(e) == 0 {
		e = []string{"0"}
	}
	if r.Rendered > 0 {
		e = append(e, fmt.Sprintf("(%d pages rendered meanwhile)", r.Rendered))
	}
	fmt.Printf("%-10s %4d %8d %9.1f %8.2f %8.2f %8.2f %8.2f %5.2f %5.2f %7.1f %4s  %s\n",
		r.Phase, r.Concurrency, r.Requests, r.PerSecond, r.P50, r.P95, r.P99, r.Max, r.ServerCores, r.LoadCores, r.ServerMicros, r.Generator, strings.Join(e, " "))
}
