package throttle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func request(addr, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/verify", strings.NewReader(body))
	r.RemoteAddr = addr
	return r
}

func TestRatePerClient(t *testing.T) {
	l := New(Options{Rate: 1, Burst: 3})
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return clock }
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	do := func(addr string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request(addr, "{}"))
		return w
	}
	for i := range 3 {
		if w := do("192.0.2.1:1000"); w.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i, w.Code)
		}
	}
	w := do("192.0.2.1:1001")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("past the burst: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if w := do("192.0.2.2:1000"); w.Code != 200 {
		t.Errorf("another client is not limited: %d", w.Code)
	}
	clock = clock.Add(time.Second)
	if w := do("192.0.2.1:1000"); w.Code != 200 {
		t.Errorf("a second later, one token is back: %d", w.Code)
	}
	if w := do("192.0.2.1:1000"); w.Code != http.StatusTooManyRequests {
		t.Errorf("and only one: %d", w.Code)
	}
	if got := l.Stats().RejectedRate; got != 2 {
		t.Errorf("RejectedRate = %d, want 2", got)
	}
	// Behind a proxy that adds its own line: the last line's last entry
	// is the client, whatever the client wrote itself.
	ip := HeaderClientIP("X-Forwarded-For")
	seen := map[string]bool{}
	for i := range 3 {
		r := request("127.0.0.1:1", "")
		r.Header.Add("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		r.Header.Add("X-Forwarded-For", "203.0.113.7")
		seen[ip(r)] = true
	}
	if len(seen) != 1 || !seen["203.0.113.7"] {
		t.Errorf("keys %v, want only the proxy's entry", seen)
	}
	off := New(Options{Rate: -1, Burst: 1}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for range 5 {
		w := httptest.NewRecorder()
		off.ServeHTTP(w, request("192.0.2.1:1", ""))
		if w.Code != 200 {
			t.Fatalf("rate limiting off: %d", w.Code)
		}
	}
}

func TestClientAddresses(t *testing.T) {
	for _, tt := range []struct{ remote, header, want string }{
		{"192.0.2.7:443", "", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "", "2001:db8:1:2::/64"},
		{"127.0.0.1:80", "198.51.100.1, 203.0.113.9", "203.0.113.9"},
		{"127.0.0.1:80", "", "127.0.0.1"},
		{"127.0.0.1:80", "not-an-address", "127.0.0.1"},
	} {
		r := request(tt.remote, "")
		got := RemoteIP(r)
		if tt.header != "" {
			r.Header.Set("X-Forwarded-For", tt.header)
			got = HeaderClientIP("X-Forwarded-For")(r)
		}
		if got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.remote, tt.header, got, tt.want)
		}
	}
}

// TestBusy fills every place and the queue: the next request is refused at
// once with 503 and Retry-After, and one that waits too long is refused.
func TestBusy(t *testing.T) {
	l := New(Options{Concurrency: 1, Queue: 1, QueueWait: 50 * time.Millisecond, Rate: -1})
	hold := make(chan struct{})
	started := make(chan struct{}, 4)
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-hold
	}))
	var wg sync.WaitGroup
	codes := make(chan int, 4)
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("192.0.2.1:1", "a"))
		codes <- w.Code
	}()
	<-started
	// The place is taken: a second request waits, and gives up after
	// QueueWait.
	w := httptest.NewRecorder()
	begin := time.Now()
	h.ServeHTTP(w, request("192.0.2.1:2", "b"))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("waited past QueueWait: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if time.Since(begin) < 50*time.Millisecond {
		t.Errorf("refused before QueueWait")
	}
	// A waiting request fills the queue; the next is refused without
	// waiting (no timing asserted: it must simply not be served).
	l.opts.QueueWait = time.Hour
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("192.0.2.1:3", "c"))
		codes <- w.Code
	}()
	for len(l.queue) < 2 {
		time.Sleep(time.Millisecond)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, request("192.0.2.1:4", "d"))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("queue full: %d", w.Code)
	}
	close(hold)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("a request that got its place: %d", c)
		}
	}
	if got := l.Stats().RejectedBusy; got != 2 {
		t.Errorf("RejectedBusy = %d, want 2", got)
	}
}

func TestBodyReadFirst(t *testing.T) {
	l := New(Options{MaxBody: 8, Rate: -1})
	var got string
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, request("192.0.2.1:1", "12345678"))
	if w.Code != 200 || got != "12345678" {
		t.Fatalf("at the limit: %d %q", w.Code, got)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, request("192.0.2.1:1", "123456789"))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the limit: %d", w.Code)
	}
}

func TestBudget(t *testing.T) {
	ctx, stop := WithBudget(context.Background(), 20*time.Millisecond)
	<-ctx.Done()
	if !Budgeted(ctx) || !errors.Is(context.Cause(ctx), ErrBudget) {
		t.Fatalf("cause %v", context.Cause(ctx))
	}
	if !stop() {
		t.Error("stop does not report the budget ran out")
	}

	ctx, stop = WithBudget(context.Background(), time.Hour)
	if stop() {
		t.Error("stopped before the budget ran out, yet reported expired")
	}
	if Budgeted(ctx) {
		t.Error("a stopped context reads as out of budget")
	}
}

// TestPause: time paused (waiting on the network) is not counted; the
// budget runs out once resumed.
func TestPause(t *testing.T) {
	ctx, stop := WithBudget(context.Background(), 30*time.Millisecond)
	defer stop()
	resume := Pause(ctx)
	inner := Pause(ctx) // pauses nest
	time.Sleep(60 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("the budget ran while paused")
	}
	inner()
	time.Sleep(40 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("the budget ran while still paused once")
	}
	resume()
	resume() // a second call does nothing
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the budget never ran out after resuming")
	}
	if !Budgeted(ctx) {
		t.Errorf("cause %v", context.Cause(ctx))
	}
	// No budget: Pause does nothing.
	Pause(context.Background())()
}

// TestWrapBudget: the handler's context carries the budget, and a handler
// that overruns it sees its context end.
func TestWrapBudget(t *testing.T) {
	l := New(Options{Budget: 10 * time.Millisecond, Rate: -1})
	var cause error
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		cause = context.Cause(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), request("192.0.2.1:1", ""))
	if cause != ErrBudget {
		t.Fatalf("cause %v", cause)
	}
	if got := l.Stats().BudgetExpired; got != 1 {
		t.Errorf("BudgetExpired = %d", got)
	}
}

// TestCPUShare: the processing time the requests use together comes back at
// CPUShare of the processors; once spent, requests are refused at once
// until it is back.
func TestCPUShare(t *testing.T) {
	l := New(Options{Rate: -1, CPUShare: 0.1, CPUBurst: 100 * time.Millisecond})
	clock := time.Now()
	l.now = func() time.Time { return clock }
	l.cpu.last = clock
	work := 60 * time.Millisecond
	// The work is computing, not waiting: the thread's CPU clock counts
	// it (a sleeping request uses no processor).
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { spin(work) }))
	do := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("192.0.2.1:1", ""))
		return w
	}
	// 100 ms at first: the first two requests are served (the second
	// overdraws), the third is refused.
	if w := do(); w.Code != 200 {
		t.Fatalf("first: %d", w.Code)
	}
	if w := do(); w.Code != 200 {
		t.Fatalf("second: %d", w.Code)
	}
	w := do()
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("third: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// Time comes back at 0.1 × GOMAXPROCS seconds per second.
	clock = clock.Add(time.Duration(float64(time.Second) / (0.1 * float64(runtimeProcs()))))
	if w := do(); w.Code != 200 {
		t.Fatalf("after a refill: %d", w.Code)
	}
	off := New(Options{Rate: -1, CPUShare: -1, CPUBurst: time.Nanosecond})
	oh := off.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(time.Millisecond) }))
	for range 3 {
		w := httptest.NewRecorder()
		oh.ServeHTTP(w, request("192.0.2.1:1", ""))
		if w.Code != 200 {
			t.Fatalf("no CPU share limit: %d", w.Code)
		}
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// spin computes for at least d of this thread's CPU time (or wall time
// where there is no thread clock).
func spin(d time.Duration) {
	start, ok := threadCPU()
	began := time.Now()
	x := 0
	for {
		for i := 0; i < 10_000; i++ {
			x += i
		}
		if now, _ := threadCPU(); ok && now-start >= d || !ok && time.Since(began) >= d {
			break
		}
	}
	_ = x
}

// TestSleepIsNotCharged: a request that waits (on the network, say) uses
// no processor, so it does not spend the shared CPU share.
func TestSleepIsNotCharged(t *testing.T) {
	if _, ok := threadCPU(); !ok {
		t.Skip("no thread CPU clock on this system")
	}
	l := New(Options{Rate: -1, CPUShare: 0.01, CPUBurst: 10 * time.Millisecond})
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(30 * time.Millisecond) }))
	for i := range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("192.0.2.1:1", ""))
		if w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
}

// TestBufferedBodies: the bodies held at once are bounded; past it, 503.
func TestBufferedBodies(t *testing.T) {
	l := New(Options{Rate: -1, MaxBody: 100, MaxBuffered: 150})
	hold := make(chan struct{})
	started := make(chan struct{})
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-hold
	}))
	done := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("192.0.2.1:1", strings.Repeat("a", 100)))
		done <- w.Code
	}()
	<-started
	w := httptest.NewRecorder()
	h.ServeHTTP(w, request("192.0.2.1:2", strings.Repeat("b", 100)))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("a second body past MaxBuffered: %d", w.Code)
	}
	w = httptest.NewRecorder()
	r := request("192.0.2.1:3", strings.Repeat("c", 101))
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over MaxBody: %d", w.Code)
	}
	close(hold)
	if c := <-done; c != 200 {
		t.Errorf("the first: %d", c)
	}
	if l.buffered != 0 {
		t.Errorf("%d bytes still held", l.buffered)
	}
}

// TestWallTimeout: time waiting on the network does not spend the budget,
// but the whole request is still bounded.
func TestWallTimeout(t *testing.T) {
	l := New(Options{Rate: -1, Budget: time.Hour, WallTimeout: 30 * time.Millisecond})
	var err error
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer Pause(r.Context())()
		<-r.Context().Done()
		err = r.Context().Err()
	}))
	h.ServeHTTP(httptest.NewRecorder(), request("192.0.2.1:1", ""))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a paused request: %v, want the wall-clock deadline", err)
	}
}
