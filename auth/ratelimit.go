package auth

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// ErrRateLimited is returned (wrapped) by [Limiter.Allow] when there were too
// many login attempts: answer 429 with Retry-After.
var ErrRateLimited = errors.New("too many login attempts")

// LimiterConfig tunes a [Limiter]. Zero fields take the defaults.
type LimiterConfig struct {
	// Burst is how many attempts a fresh account+address pair gets at once.
	// Default 10.
	Burst int
	// Every is the time to earn one more attempt. Default 30 s (so two a
	// minute once the burst is spent).
	Every time.Duration
	// MaxEntries bounds memory: beyond it the least recently used pairs are
	// forgotten. Default 100,000 (a few tens of MB at worst). An attacker
	// who sends that many distinct pairs can push their own pair out and
	// start afresh; that costs them MaxEntries requests per reset.
	MaxEntries int
}

// Limiter is a token-bucket rate limiter for login attempts, keyed by
// account and client address. It lives in one process's memory: with
// several replicas each limits on its own, which still caps guessing at
// replicas × rate. It is safe for concurrent use.
type Limiter struct {
	burst float64
	every time.Duration
	max   int

	mu      sync.Mutex
	lru     *list.List // of *bucket, most recently used first
	buckets map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a Limiter with configuration c.
func NewLimiter(c LimiterConfig) *Limiter {
	if c.Burst <= 0 {
		c.Burst = 10
	}
	if c.Every <= 0 {
		c.Every = 30 * time.Second
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = 100_000
	}
	return &Limiter{burst: float64(c.Burst), every: c.Every, max: c.MaxEntries,
		lru: list.New(), buckets: make(map[string]*list.Element)}
}

// limiterKey joins account and address; IPv6 addresses count per /64, the
// block one subscriber usually holds.
func limiterKey(account string, addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			addr = p.Addr()
		}
	}
	return addr.String() + " " + account
}

// Allow spends one attempt for account from addr at now. It returns nil, or
// an error wrapping [ErrRateLimited] and the wait until the next attempt is
// allowed (for Retry-After). Call it before verifying the password, so that
// refused attempts cost no hashing. account should be normalized as the
// store does (e.g. the lower-cased email).
func (l *Limiter) Allow(account string, addr netip.Addr, now time.Time) (retryAfter time.Duration, err error) {
	key := limiterKey(account, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.buckets[key]
	if !ok {
		el = l.lru.PushFront(&bucket{key: key, tokens: l.burst, last: now})
		l.buckets[key] = el
		for l.lru.Len() > l.max {
			last := l.lru.Back()
			l.lru.Remove(last)
			delete(l.buckets, last.Value.(*bucket).key)
		}
	} else {
		l.lru.MoveToFront(el)
	}
	b := el.Value.(*bucket)
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+float64(elapsed)/float64(l.every))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0, nil
	}
	wait := time.Duration(math.Ceil((1 - b.tokens) * float64(l.every)))
	return wait, fmt.Errorf("auth: %w; retry in %s", ErrRateLimited, wait.Round(time.Second))
}

// Reset forgets the attempts of account from addr: call it after a
// successful login.
func (l *Limiter) Reset(account string, addr netip.Addr) {
	key := limiterKey(account, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.buckets[key]; ok {
		l.lru.Remove(el)
		delete(l.buckets, key)
	}
}

// Len reports how many account+address pairs the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// RemoteAddr returns the client address of r from r.RemoteAddr, the TCP
// peer. Behind a reverse proxy that is the proxy: the server must then
// replace RemoteAddr from a trusted forwarding header before this is called.
func RemoteAddr(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("auth: remote address %q: %w", r.RemoteAddr, err)
	}
	return addr.WithZone(""), nil
}
