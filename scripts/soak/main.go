// Command soak sends a steady mix of traffic to a Cairn server on loopback
// for a bounded time: issuing (POST /api/v1/awards), credential pages and
// JSON, public verification and revocation, each at its own rate (open
// loop: requests leave on schedule whether or not earlier ones returned).
// Every -every it prints the server's resident memory and the requests of
// the last interval; at the end, per route, the requests, statuses and
// latency percentiles, and the memory growth after warm-up. It is the
// generator of scripts/soak.sh.
//
// It exits 1 when a request failed (an error, or a status other than the
// route's expected ones), or when the server's memory grew by more than
// -max-growth after warm-up.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
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

type route struct {
	name string
	rate float64
	want []int
	do   func(ctx context.Context, s *soak) (int, error)
}

type sample struct {
	status int
	took   time.Duration
	err    bool
}

type soak struct {
	base, key, ach string
	client         *http.Client

	mu      sync.Mutex
	ids     []string // issued, not revoked
	results map[string][]sample
	window  map[string]int
	seq     atomic.Int64
}

func main() {
	var (
		base      = flag.String("base", "http://127.0.0.1:8080", "the server's base URL (loopback only)")
		key       = flag.String("key", os.Getenv("CAIRN_SOAK_KEY"), "API key with the issuer role (CAIRN_SOAK_KEY)")
		ach       = flag.String("achievement", "", "achievement id to issue")
		pid       = flag.Int("pid", 0, "the server's process id, to read its memory (Linux)")
		duration  = flag.Duration("d", 10*time.Minute, "how long to run")
		every     = flag.Duration("every", 30*time.Second, "how often to report memory")
		warmup    = flag.Duration("warmup", 4*time.Minute, "memory growth is measured from the end of this (the page cache's 4,096 pages fill in about 3.5 minutes at the default rates)")
		maxGrowth = flag.Float64("max-growth", 0.10, "the most the server's memory may grow after warm-up")
		rates     = flag.String("rates", "issue=20,page=40,json=20,verify=4,revoke=2", "requests per second, by route")
		inflight  = flag.Int("inflight", 256, "at most this many requests in flight; past it a request is counted as dropped")
	)
	flag.Parse()
	if err := run(*base, *key, *ach, *pid, *duration, *every, *warmup, *maxGrowth, *rates, *inflight); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(base, key, ach string, pid int, duration, every, warmup time.Duration, maxGrowth float64, rates string, inflight int) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-base %s: only loopback addresses are allowed", base)
	}
	if key == "" || ach == "" {
		return fmt.Errorf("-key and -achievement are required")
	}
	s := &soak{base: strings.TrimRight(base, "/"), key: key, ach: ach,
		client:  &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		results: map[string][]sample{}, window: map[string]int{}}
	routes := s.routes()
	for _, kv := range strings.Split(rates, ",") {
		name, v, _ := strings.Cut(kv, "=")
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("-rates %s: %v", kv, err)
		}
		i := slices.IndexFunc(routes, func(rt route) bool { return rt.name == name })
		if i < 0 {
			return fmt.Errorf("-rates: no route %q", name)
		}
		routes[i].rate = r
	}
	// A few awards first, so that pages, verification and revocation have
	// something to work on.
	for range 20 {
		if _, err := s.issue(context.Background()); err != nil {
			return fmt.Errorf("first awards: %w", err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	slots := make(chan struct{}, inflight)
	var dropped atomic.Int64
	var wg sync.WaitGroup
	for _, rt := range routes {
		if rt.rate <= 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(time.Duration(float64(time.Second) / rt.rate))
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				select {
				case slots <- struct{}{}:
				default:
					dropped.Add(1)
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					start := time.Now()
					status, err := rt.do(context.Background(), s)
					sm := sample{status: status, took: time.Since(start), err: err != nil || !slices.Contains(rt.want, status)}
					if sm.err && err != nil {
						fmt.Fprintf(os.Stderr, "%s: %v\n", rt.name, err)
					}
					s.mu.Lock()
					s.results[rt.name] = append(s.results[rt.name], sm)
					s.window[rt.name]++
					s.mu.Unlock()
				}()
			}
		}()
	}

	fmt.Printf("%8s %10s  %s\n", "time", "server RSS", "requests in the interval")
	var rss []float64 // MiB, one per report after warm-up
	start := time.Now()
	report := func() {
		m := rssMiB(pid)
		s.mu.Lock()
		var parts []string
		for _, rt := range routes {
			if rt.rate > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", rt.name, s.window[rt.name]))
			}
		}
		clear(s.window)
		s.mu.Unlock()
		el := time.Since(start).Round(time.Second)
		fmt.Printf("%8s %7.1f MiB  %s\n", el, m, strings.Join(parts, ", "))
		if el >= warmup && m > 0 {
			rss = append(rss, m)
		}
	}
	tick := time.NewTicker(every)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			report()
		}
	}
	tick.Stop()
	wg.Wait()
	report()

	fmt.Printf("\n%-7s %7s %7s %-30s %8s %8s %8s\n", "route", "n", "req/s", "statuses", "p50", "p99", "max")
	failed := 0
	for _, rt := range routes {
		rs := s.results[rt.name]
		if len(rs) == 0 {
			continue
		}
		var took []time.Duration
		st := map[string]int{}
		for _, r := range rs {
			took = append(took, r.took)
			k := strconv.Itoa(r.status)
			if r.status == 0 {
				k = "error"
			}
			st[k]++
			if r.err {
				failed++
			}
		}
		slices.Sort(took)
		pct := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
		var sts []string
		for k, n := range st {
			sts = append(sts, fmt.Sprintf("%s×%d", k, n))
		}
		slices.Sort(sts)
		fmt.Printf("%-7s %7d %7.1f %-30s %8s %8s %8s\n", rt.name, len(rs), float64(len(rs))/duration.Seconds(), strings.Join(sts, " "),
			pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), took[len(took)-1].Round(10*time.Microsecond))
	}
	if n := dropped.Load(); n > 0 {
		fmt.Printf("dropped (more than %d in flight): %d\n", inflight, n)
		failed += int(n)
	}
	var problems []string
	if failed > 0 {
		problems = append(problems, fmt.Sprintf("%d requests failed or were dropped", failed))
	}
	if len(rss) >= 2 {
		// The halves' means: the garbage collector's sawtooth (a cycle
		// takes a few reports) averages out.
		k := len(rss) / 2
		first, last := mean(rss[:k]), mean(rss[len(rss)-k:])
		growth := last/first - 1
		fmt.Printf("server memory after warm-up: %.1f MiB → %.1f MiB (means of the first and the last %d reports): %+.1f%% (at most %+.0f%%)\n",
			first, last, k, growth*100, maxGrowth*100)
		if growth > maxGrowth {
			problems = append(problems, fmt.Sprintf("memory grew %.1f%%", growth*100))
		}
	} else if pid > 0 {
		problems = append(problems, "too few memory reports after warm-up to judge growth")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

func mean(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

// rssMiB is the resident memory of process pid (VmRSS), or 0.
func rssMiB(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func (s *soak) routes() []route {
	return []route{
		{name: "issue", want: []int{201}, do: func(ctx context.Context, s *soak) (int, error) { return s.issue(ctx) }},
		{name: "page", want: []int{200}, do: func(ctx context.Context, s *soak) (int, error) {
			return s.get(ctx, "/credentials/"+s.pick(), "text/html")
		}},
		{name: "json", want: []int{200}, do: func(ctx context.Context, s *soak) (int, error) {
			return s.get(ctx, "/credentials/"+s.pick()+".json", "application/vc+ld+json")
		}},
		// A revoked credential is a failed verification (422), a current
		// one verified (200).
		{name: "verify", want: []int{200, 422}, do: func(ctx context.Context, s *soak) (int, error) {
			body, err := s.body(ctx, "/credentials/"+s.pick()+".json")
			if err != nil {
				return 0, err
			}
			return s.post(ctx, "/api/v1/verify", body, "")
		}},
		{name: "revoke", want: []int{200}, do: func(ctx context.Context, s *soak) (int, error) {
			id := s.take()
			if id == "" {
				return 200, nil
			}
			return s.post(ctx, "/api/v1/awards/"+id+"/revoke", []byte(`{"reason":"soak test"}`), s.key)
		}},
	}
}

func (s *soak) issue(ctx context.Context) (int, error) {
	n := s.seq.Add(1)
	body := fmt.Sprintf(`{"achievementId":%q,"recipient":{"email":"soak-%d-%d@example.org","name":"Soak %d"}}`, s.ach, time.Now().UnixNano(), n, n)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/api/v1/awards", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		return resp.StatusCode, err
	}
	s.mu.Lock()
	s.ids = append(s.ids, out.ID)
	s.mu.Unlock()
	return resp.StatusCode, nil
}

// pick returns an issued credential: half of the time one of the 100 most
// recent (popular pages stay cached), otherwise any.
func (s *soak) pick() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) == 0 {
		return "none"
	}
	if rand.IntN(2) == 0 {
		return s.ids[len(s.ids)-1-rand.IntN(min(100, len(s.ids)))]
	}
	return s.ids[rand.IntN(len(s.ids))]
}

// take removes an issued credential, to revoke it.
func (s *soak) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) < 50 {
		return ""
	}
	i := rand.IntN(len(s.ids) - 25) // not the newest: pages are reading them
	id := s.ids[i]
	s.ids = slices.Delete(s.ids, i, i+1)
	return id
}

func (s *soak) get(ctx context.Context, path, accept string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", accept)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (s *soak) body(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func (s *soak) post(ctx context.Context, path string, body []byte, key string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
