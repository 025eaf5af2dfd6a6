package web

import (
	"sync"
	"time"
)

// ttlCache keeps values for a while, by key. Keys name a version of what
// they cache (an award's ID and UpdatedAt), so an entry never needs
// invalidating: a change makes a new key, and the old entry expires or is
// evicted. Concurrent gets of a missing key build it once; errors are not
// kept. When full, expired entries go first, then arbitrary ones.
type ttlCache[V any] struct {
	max int
	mu  sync.Mutex
	m   map[string]*cacheEntry[V]
}

type cacheEntry[V any] struct {
	ready   chan struct{} // closed when val and err are set
	val     V
	err     error
	expires time.Time
}

func newTTLCache[V any](max int) *ttlCache[V] {
	return &ttlCache[V]{max: max, m: make(map[string]*cacheEntry[V])}
}

// get returns the value of key, calling build when it is missing or
// expired at now. build returns the value and when it expires.
func (c *ttlCache[V]) get(key string, now time.Time, build func() (V, time.Time, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	if ok {
		select {
		case <-e.ready:
			if now.Before(e.expires) {
				c.mu.Unlock()
				return e.val, nil
			}
			ok = false // expired: build anew
		default: // being built: wait for it
		}
	}
	if ok {
		c.mu.Unlock()
		<-e.ready
		return e.val, e.err
	}
	if len(c.m) >= c.max {
		c.evict(now)
	}
	e = &cacheEntry[V]{ready: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	e.val, e.expires, e.err = build()
	close(e.ready)
	if e.err != nil {
		c.mu.Lock()
		if c.m[key] == e {
			delete(c.m, key)
		}
		c.mu.Unlock()
	}
	return e.val, e.err
}

// evict makes room for a quarter of the cache. c.mu is held.
func (c *ttlCache[V]) evict(now time.Time) {
	for k, e := range c.m {
		select {
		case <-e.ready:
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		default:
		}
	}
	for k, e := range c.m {
		if len(c.m) < c.max*3/4 {
			return
		}
		select {
		case <-e.ready:
			delete(c.m, k)
		default:
		}
	}
}
