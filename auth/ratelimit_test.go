package auth

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(LimiterConfig{Burst: 3, Every: time.Minute})
	ip := netip.MustParseAddr("192.0.2.7")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, err := l.Allow("ada@example.org", ip, now); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	wait, err := l.Allow("ada@example.org", ip, now)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("4th attempt: %v, want ErrRateLimited", err)
	}
	if wait != time.Minute {
		t.Errorf("retry after %v, want 1m", wait)
	}
	// Refused attempts do not earn credit; half a minute is not enough.
	if wait, err := l.Allow("ada@example.org", ip, now.Add(30*time.Second)); err == nil || wait != 30*time.Second {
		t.Errorf("after 30s: wait %v, err %v; want refused, 30s", wait, err)
	}
	if _, err := l.Allow("ada@example.org", ip, now.Add(time.Minute)); err != nil {
		t.Errorf("after a minute: %v", err)
	}
	// Other pairs are independent.
	if _, err := l.Allow("bob@example.org", ip, now); err != nil {
		t.Errorf("other account: %v", err)
	}
	if _, err := l.Allow("ada@example.org", netip.MustParseAddr("198.51.100.1"), now); err != nil {
		t.Errorf("other address: %v", err)
	}
	// The bucket refills up to Burst and no further.
	later := now.Add(24 * time.Hour)
	for i := range 3 {
		if _, err := l.Allow("ada@example.org", ip, later); err != nil {
			t.Fatalf("next day attempt %d: %v", i+1, err)
		}
	}
	if _, err := l.Allow("ada@example.org", ip, later); err == nil {
		t.Error("burst exceeded after a long idle")
	}
	l.Reset("ada@example.org", ip)
	if _, err := l.Allow("ada@example.org", ip, later); err != nil {
		t.Errorf("after Reset: %v", err)
	}
}

func TestLimiterAddresses(t *testing.T) {
	l := NewLimiter(LimiterConfig{Burst: 1, Every: time.Hour})
	now := time.Now()
	same := [][2]string{
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"}, // one /64
		{"192.0.2.1", "::ffff:192.0.2.1"},           // IPv4-mapped
	}
	for _, p := range same {
		l.Allow("a", netip.MustParseAddr(p[0]), now)
		if _, err := l.Allow("a", netip.MustParseAddr(p[1]), now); err == nil {
			t.Errorf("%s and %s counted apart", p[0], p[1])
		}
	}
	l.Allow("a", netip.MustParseAddr("2001:db8:1:3::1"), now)
	if _, err := l.Allow("a", netip.MustParseAddr("2001:db8:1:4::1"), now); err != nil {
		t.Errorf("different /64s counted together: %v", err)
	}
	// Account names cannot collide with addresses through the separator.
	l.Allow("x y", netip.MustParseAddr("192.0.2.9"), now)
	if _, err := l.Allow("y", netip.MustParseAddr("192.0.2.9"), now); err != nil {
		t.Errorf("accounts %q and %q collide: %v", "x y", "y", err)
	}
}

func TestLimiterBounded(t *testing.T) {
	l := NewLimiter(LimiterConfig{Burst: 1, Every: time.Hour, MaxEntries: 100})
	now := time.Now()
	ip := netip.MustParseAddr("192.0.2.1")
	for i := range 1000 {
		l.Allow(fmt.Sprint("user", i), ip, now)
		if l.Len() > 100 {
			t.Fatalf("limiter holds %d entries, bound 100", l.Len())
		}
	}
	// The most recent entries are kept.
	if _, err := l.Allow("user999", ip, now); err == nil {
		t.Error("most recent entry was evicted")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(LimiterConfig{Burst: 50, Every: time.Hour, MaxEntries: 10})
	now := time.Now()
	ip := netip.MustParseAddr("192.0.2.1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				if _, err := l.Allow("shared", ip, now); err == nil {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				l.Allow(fmt.Sprint(g, i), ip, now)
				if i%10 == 0 {
					l.Len()
				}
			}
		})
	}
	wg.Wait()
	// "shared" may be evicted by the other keys and start over, so at
	// least the burst got through; never more than the attempts made.
	if allowed < 50 || allowed > 800 {
		t.Errorf("allowed %d", allowed)
	}
	if l.Len() > 10 {
		t.Errorf("limiter holds %d, bound 10", l.Len())
	}
}

func TestRemoteAddr(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[fe80::1%eth0]:443", "fe80::1"},
		{"192.0.2.1", "192.0.2.1"},
		{"pipe", ""},
		{"", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		got, err := RemoteAddr(r)
		if tt.want == "" {
			if err == nil {
				t.Errorf("RemoteAddr(%q) = %v, want an error", tt.remote, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("RemoteAddr(%q) = %v, %v; want %s", tt.remote, got, err, tt.want)
		}
	}
}
