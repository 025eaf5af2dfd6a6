// Package throttle keeps costly public work, such as verifying a credential
// that anyone may submit, from tying up a server.
//
// A [Limiter] wraps an http.Handler and gives each request three bounds, in
// this order:
//
//  1. a rate per client address (a token bucket): past it, 429 with
//     Retry-After;
//  2. a number of requests at work at once, with a short queue: when the
//     queue is full, or a request has waited in it too long, 503 with
//     Retry-After, at once;
//  3. a budget of processing time per request (a context deadline that
//     does not run while the request waits on the network, see [Pause]);
//  4. a share of the machine's processors for all the requests together
//     (a token bucket of processing time, charged with what each request
//     used): when it is spent, 503 with Retry-After, at once, so that
//     whatever is submitted, the rest of the server keeps its processors.
//
// The body is read (up to a limit) before a request takes a place, so that
// a slow upload holds no place that computing could use.
package throttle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Limiter. Zero fields take the defaults given.
type Options struct {
	// Concurrency is how many requests work at once (default: four per
	// CPU; the CPU share, not this, bounds the processors they use, and a
	// request waiting on the database or the network holds a place).
	Concurrency int
	// Queue is how many more may wait for a place (default 2×Concurrency;
	// negative: none).
	Queue int
	// QueueWait is the longest a request waits for a place (default 250 ms).
	QueueWait time.Duration
	// Budget is the processing time a request may use (default 1 s),
	// counted while it holds a place and is not paused.
	Budget time.Duration
	// Rate is the sustained number of requests per second one client
	// address may make, and Burst how many at once (defaults 5 and 30).
	// A negative Rate turns per-client limiting off.
	Rate  float64
	Burst int
	// WallTimeout bounds a request's whole time at work, waits on the
	// network included (default Budget + 10 s).
	WallTimeout time.Duration
	// MaxBuffered caps the request bodies held in memory at once, all
	// requests together (default 8 × MaxBody); past it, 503 at once.
	MaxBuffered int64
	// CPUShare is the share of the processors (GOMAXPROCS) that the
	// requests may use together, on average (default 0.1; negative: no
	// limit), and CPUBurst how much processing time they may use at once
	// above it (default 2 s).
	CPUShare float64
	CPUBurst time.Duration
	// MaxBody caps the request body read before the handler runs (default
	// 8 MiB); the handler applies its own, finer limits.
	MaxBody int64
	// ClientIP returns the client address of a request (default: the
	// connection's remote address; see HeaderClientIP for a proxy).
	ClientIP func(*http.Request) string
	// Reject writes the answer to a refused request (default: an RFC 9457
	// problem document).
	Reject func(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration, detail string)
}

// Limiter bounds the requests of the handlers it wraps. Its methods are
// safe for concurrent use. One Limiter shared by several handlers gives
// them one pool of places and one rate per client.
type Limiter struct {
	opts  Options
	slots chan struct{}
	queue chan struct{}

	mu       sync.Mutex
	buffered int64 // bytes of bodies held
	buckets  map[string]*bucket
	cpu      bucket // seconds of processing time; may go below zero
	now      func() time.Time

	rejectedRate, rejectedBusy, expired atomic.Int64
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the clients remembered at once; past it, the buckets
// that are full again (idle clients) are forgotten.
const maxBuckets = 100_000

// New returns a Limiter with opts.
func New(opts Options) *Limiter {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4 * runtime.GOMAXPROCS(0)
	}
	switch {
	case opts.Queue == 0:
		opts.Queue = 2 * opts.Concurrency
	case opts.Queue < 0:
		opts.Queue = 0
	}
	if opts.QueueWait <= 0 {
		opts.QueueWait = 250 * time.Millisecond
	}
	if opts.Budget <= 0 {
		opts.Budget = time.Second
	}
	if opts.Rate == 0 {
		opts.Rate = 5
	}
	if opts.Burst <= 0 {
		opts.Burst = 30
	}
	if opts.CPUShare == 0 {
		opts.CPUShare = 0.1
	}
	if opts.CPUBurst <= 0 {
		opts.CPUBurst = 2 * time.Second
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 8 << 20
	}
	if opts.WallTimeout <= 0 {
		opts.WallTimeout = opts.Budget + 10*time.Second
	}
	if opts.MaxBuffered <= 0 {
		opts.MaxBuffered = 8 * opts.MaxBody
	}
	if opts.ClientIP == nil {
		opts.ClientIP = RemoteIP
	}
	if opts.Reject == nil {
		opts.Reject = WriteProblem
	}
	l := &Limiter{
		opts:    opts,
		slots:   make(chan struct{}, opts.Concurrency),
		queue:   make(chan struct{}, opts.Concurrency+opts.Queue),
		buckets: map[string]*bucket{},
		now:     time.Now,
	}
	l.cpu = bucket{tokens: opts.CPUBurst.Seconds(), last: l.now()}
	return l
}

// Options returns the options in force, defaults filled in.
func (l *Limiter) Options() Options { return l.opts }

// Stats counts the requests refused so far: for their client's rate, for
// a full queue or a wait too long, and those whose budget ran out.
type Stats struct {
	RejectedRate, RejectedBusy, BudgetExpired int64
}

// Stats returns the counts so far.
func (l *Limiter) Stats() Stats {
	return Stats{RejectedRate: l.rejectedRate.Load(), RejectedBusy: l.rejectedBusy.Load(), BudgetExpired: l.expired.Load()}
}

// Wrap returns h behind the limiter.
func (l *Limiter) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, ok := l.allow(l.opts.ClientIP(r)); !ok {
			l.rejectedRate.Add(1)
			// The body is not read: closing the connection spares
			// draining it (net/http reads up to 256 KiB of what a handler
			// left), which is most of what a refusal would cost.
			if r.ContentLength != 0 {
				w.Header().Set("Connection", "close")
			}
			l.opts.Reject(w, r, http.StatusTooManyRequests, wait, "too many verification requests from this address; try again later")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			// Reserve what the body may take before reading it: slow
			// uploads, many at once, must not hold unbounded memory.
			want := l.opts.MaxBody + 1
			if r.ContentLength > 0 && r.ContentLength < want {
				want = r.ContentLength
			}
			if r.ContentLength > l.opts.MaxBody {
				l.opts.Reject(w, r, http.StatusRequestEntityTooLarge, 0, fmt.Sprintf("the request body is larger than the limit of %d bytes", l.opts.MaxBody))
				return
			}
			if !l.reserve(want) {
				l.rejectedBusy.Add(1)
				l.opts.Reject(w, r, http.StatusServiceUnavailable, time.Second, "the server is busy receiving verifications; try again in a moment")
				return
			}
			defer l.reserve(-want)
			body, err := io.ReadAll(io.LimitReader(r.Body, want))
			if err != nil {
				l.opts.Reject(w, r, http.StatusBadRequest, 0, "the request body could not be read")
				return
			}
			if int64(len(body)) > l.opts.MaxBody {
				l.opts.Reject(w, r, http.StatusRequestEntityTooLarge, 0, fmt.Sprintf("the request body is larger than the limit of %d bytes", l.opts.MaxBody))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		if wait, ok := l.cpuLeft(); !ok {
			l.rejectedBusy.Add(1)
			l.opts.Reject(w, r, http.StatusServiceUnavailable, wait, "the server is busy verifying; try again in a moment")
			return
		}
		release, ok := l.acquire(r.Context())
		if !ok {
			l.rejectedBusy.Add(1)
			l.opts.Reject(w, r, http.StatusServiceUnavailable, time.Second, "the server is busy verifying; try again in a moment")
			return
		}
		defer release()
		wall, cancel := context.WithTimeout(r.Context(), l.opts.WallTimeout)
		defer cancel()
		ctx, b := withBudget(wall, l.opts.Budget)
		// The goroutine keeps its thread while it works, so that the
		// thread's CPU clock measures what this request used (where the
		// system has one; elsewhere the budget's clock stands in).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cpu0, haveCPU := threadCPU()
		defer func() {
			used, expired := b.stop()
			if expired {
				l.expired.Add(1)
			}
			if cpu1, ok := threadCPU(); ok && haveCPU {
				used = cpu1 - cpu0
			}
			l.charge(used)
		}()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// acquire takes a place, waiting in the queue at most QueueWait. It fails
// at once when the queue is full.
func (l *Limiter) acquire(ctx context.Context) (release func(), ok bool) {
	select {
	case l.queue <- struct{}{}:
	default:
		return nil, false
	}
	select {
	case l.slots <- struct{}{}:
	default:
		t := time.NewTimer(l.opts.QueueWait)
		defer t.Stop()
		select {
		case l.slots <- struct{}{}:
		case <-t.C:
			<-l.queue
			return nil, false
		case <-ctx.Done():
			<-l.queue
			return nil, false
		}
	}
	return func() { <-l.slots; <-l.queue }, true
}

// reserve adds n bytes (negative to give them back) to the bodies held,
// and reports whether they fit under MaxBuffered.
func (l *Limiter) reserve(n int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n > 0 && l.buffered+n > l.opts.MaxBuffered {
		return false
	}
	l.buffered += n
	return true
}

// cpuLeft reports whether the shared processing time is not spent, or how
// long until it is back.
func (l *Limiter) cpuLeft() (time.Duration, bool) {
	if l.opts.CPUShare < 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	tokens := l.refillCPU(l.now())
	if tokens > 0 {
		return 0, true
	}
	return time.Duration(-tokens/l.cpuRate()*float64(time.Second)) + time.Millisecond, false
}

// charge takes the processing time a request used from the shared bucket.
func (l *Limiter) charge(used time.Duration) {
	if l.opts.CPUShare < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillCPU(l.now())
	l.cpu.tokens -= used.Seconds()
}

// cpuRate is the processing time, in seconds, that comes back each second.
func (l *Limiter) cpuRate() float64 {
	return l.opts.CPUShare * float64(runtime.GOMAXPROCS(0))
}

func (l *Limiter) refillCPU(now time.Time) float64 {
	l.cpu.tokens = math.Min(l.opts.CPUBurst.Seconds(), l.cpu.tokens+max(0, now.Sub(l.cpu.last).Seconds())*l.cpuRate())
	l.cpu.last = now
	return l.cpu.tokens
}

// allow takes a token from the client's bucket, or says how long until one
// is there.
func (l *Limiter) allow(client string) (time.Duration, bool) {
	if l.opts.Rate < 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[client]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.opts.Burst), last: now}
		l.buckets[client] = b
	}
	b.tokens = math.Min(float64(l.opts.Burst), b.tokens+max(0, now.Sub(b.last).Seconds())*l.opts.Rate)
	b.last = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.opts.Rate * float64(time.Second)), false
	}
	b.tokens--
	return 0, true
}

// sweep forgets the buckets that have refilled; if none has, half of them.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.opts.Rate >= float64(l.opts.Burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets/2 {
			break
		}
		delete(l.buckets, k)
	}
}

// RemoteIP is the client address of the connection, an IPv6 address
// reduced to its /64 (one site's addresses are one client).
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return clientKey(host)
}

// HeaderClientIP returns a ClientIP that reads the client address from
// header, as set by a reverse proxy in front of the server (X-Real-IP, or
// the last entry of X-Forwarded-For, which the proxy appended). Use it only
// behind such a proxy: otherwise clients choose their address.
func HeaderClientIP(header string) func(*http.Request) string {
	return func(r *http.Request) string {
		// The proxy's entry is the last one: of the last line, since a
		// proxy may add a line of its own after the client's.
		lines := r.Header.Values(header)
		if len(lines) == 0 {
			return RemoteIP(r)
		}
		v := lines[len(lines)-1]
		if i := strings.LastIndexByte(v, ','); i >= 0 {
			v = v[i+1:]
		}
		v = strings.TrimSpace(v)
		if host, _, err := net.SplitHostPort(v); err == nil {
			v = host
		}
		if net.ParseIP(v) == nil {
			return RemoteIP(r) // not an address: never a key a client could choose
		}
		return clientKey(v)
	}
}

func clientKey(host string) string {
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// WriteProblem answers a refused request with an RFC 9457 problem document
// and, when retryAfter is positive, a Retry-After header (whole seconds,
// at least 1).
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, retryAfter time.Duration, detail string) {
	SetRetryAfter(w, retryAfter)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	kind := "unavailable"
	switch status {
	case http.StatusTooManyRequests:
		kind = "rate-limited"
	case http.StatusRequestEntityTooLarge:
		kind = "too-large"
	case http.StatusBadRequest:
		kind = "malformed-request"
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "urn:cairn:problem:" + kind, "title": http.StatusText(status), "status": status, "detail": detail,
	})
}

// SetRetryAfter sets Retry-After to d rounded up to whole seconds (at
// least 1), when d is positive.
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}

// ErrBudget is the cause of a budget context's end when its budget ran out.
var ErrBudget = errors.New("the processing time allowed was used up")
