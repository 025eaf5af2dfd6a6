package store

import (
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
)

// TestHeadCache: a head is served for headTTL and no longer; a drop
// forgets it at once; a fill that began before a change is not kept.
func TestHeadCache(t *testing.T) {
	var c headCache
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	a := &cairn.Award{ID: "a", State: cairn.StateActive}
	if c.get("a", t0, never) != nil {
		t.Fatal("an empty cache has a head")
	}
	c.put(a, nil, c.begin(), t0)
	for _, tc := range []struct {
		name string
		at   time.Time
		hit  bool
	}{
		{"at once", t0, true},
		{"just before the TTL", t0.Add(headTTL - time.Nanosecond), true},
		{"at the TTL", t0.Add(headTTL), false},
		{"a clock gone back", t0.Add(-time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.get("a", tc.at, never) != nil; got != tc.hit {
				t.Errorf("hit = %v, want %v", got, tc.hit)
			}
		})
	}

	c.drop("a")
	if c.get("a", t0, never) != nil {
		t.Error("a dropped head is still served")
	}

	// A read that began before a change (of any award) and ends after it
	// might hold what the change replaced: it is not kept.
	epoch := c.begin()
	c.drop("a")
	c.put(a, nil, epoch, t0)
	if c.get("a", t0, never) != nil {
		t.Error("a head read before a change was kept after it")
	}
	c.put(a, nil, c.begin(), t0)
	if c.get("a", t0, never) != a {
		t.Error("a head read after the change was not kept")
	}
}

// TestHeadCacheBounded: the cache never holds more than maxCachedHeads.
func TestHeadCacheBounded(t *testing.T) {
	var c headCache
	now := time.Now()
	for i := range maxCachedHeads * 2 {
		c.put(&cairn.Award{ID: string(rune('a'+i%26)) + time.Duration(i).String()}, nil, c.begin(), now)
		if len(c.m) > maxCachedHeads {
			t.Fatalf("%d heads after %d puts", len(c.m), i+1)
		}
	}
}

// TestHeadCacheSharesBytes: a head read again with the same credential
// bytes carries the slice of the head it replaces (so that callers
// comparing with what they cached find the very same bytes), and one with
// other bytes carries its own.
func TestHeadCacheSharesBytes(t *testing.T) {
	var c headCache
	now := time.Now()
	first := &cairn.Award{ID: "a", CredentialJSON: []byte(`{"v":1}`), CredentialJWT: "jwt"}
	c.put(first, nil, c.begin(), now)
	again := &cairn.Award{ID: "a", CredentialJSON: []byte(`{"v":1}`), CredentialJWT: "jwt"}
	c.put(again, nil, c.begin(), now.Add(headTTL))
	if &again.CredentialJSON[0] != &first.CredentialJSON[0] {
		t.Error("an unchanged head does not share the bytes of the one it replaced")
	}
	changed := &cairn.Award{ID: "a", CredentialJSON: []byte(`{"v":2}`), CredentialJWT: "jwt"}
	c.put(changed, nil, c.begin(), now.Add(2*headTTL))
	if string(changed.CredentialJSON) != `{"v":2}` || string(c.get("a", now.Add(2*headTTL), never).CredentialJSON) != `{"v":2}` {
		t.Errorf("a changed head serves %s", c.get("a", now.Add(2*headTTL), never).CredentialJSON)
	}
}

// never is an unchanged func without a watch.
func never(string, time.Time) bool { return false }
