package store

import (
	"bytes"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
)

// headTTL is how long PublicAwardHead answers from its cache: how long a
// change made by another process (a replica on the same database) may take
// to show here. A change made through this DB (SetAwardState, UpdateAward)
// drops the award from the cache when it commits, so the next read sees it.
// While the watch runs (watch.go), a head is kept longer, until a change to
// its award is seen, and still within headTTL of another process's change.
const headTTL = time.Second

// maxCachedHeads bounds the cache of award heads (about 8 KB each: the
// signed JSON and the JWT); past it, a quarter goes, at random.
const maxCachedHeads = 4096

// headCache holds the awards PublicAwardHead read, by ID: the public pages
// read an award's head on every view (its UpdatedAt names the version they
// serve from their own caches), and a popular credential is viewed many
// times a second. Only awards found are kept: a new award shows at once.
//
// A read that races a change cannot put back what the change replaced:
// fills carry the epoch they started in, and every change bumps it when it
// drops its award (after its commit), so a read that began before is not
// kept.
type headCache struct {
	mu    sync.RWMutex
	epoch uint64
	m     map[string]cachedHead
}

type cachedHead struct {
	a       *cairn.Award
	page    *cairn.RenderedPage // the award's stored page when a was read; nil: none
	fetched time.Time
}

// get returns the cached head of id, if fetched less than headTTL ago or
// if unchanged says the award has not changed since it was fetched (the
// watch: watch.go).
func (c *headCache) get(id string, now time.Time, unchanged func(id string, since time.Time) bool) *cairn.Award {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || now.Before(e.fetched) || now.Sub(e.fetched) >= headTTL && !unchanged(id, e.fetched) {
		return nil
	}
	return e.a
}

// page returns the stored page read with the cached head of id (nil when
// there was none), and whether there is such a head.
func (c *headCache) page(id string, now time.Time) (*cairn.RenderedPage, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || now.Sub(e.fetched) >= headTTL || now.Before(e.fetched) {
		return nil, false
	}
	return e.page, true
}

// begin returns the epoch a fill starts in.
func (c *headCache) begin() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// put keeps a and its stored page, read at now in epoch, unless an award
// or a page changed since.
func (c *headCache) put(a *cairn.Award, page *cairn.RenderedPage, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.m == nil {
		c.m = make(map[string]cachedHead)
	}
	old, ok := c.m[a.ID]
	if ok {
		// The same bytes as the head this one replaces: share them, so
		// that callers comparing what they cached with the head find the
		// same slice (a comparison the runtime answers without reading
		// the bytes) rather than an equal copy, every second.
		if bytes.Equal(old.a.CredentialJSON, a.CredentialJSON) {
			a.CredentialJSON = old.a.CredentialJSON
		}
		if old.a.CredentialJWT == a.CredentialJWT {
			a.CredentialJWT = old.a.CredentialJWT
		}
	}
	if !ok && len(c.m) >= maxCachedHeads {
		for k := range c.m {
			if len(c.m) < maxCachedHeads*3/4 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[a.ID] = cachedHead{a: a, page: page, fetched: now}
}

// drop forgets the award with this ID, after a change to it or to its
// stored page (committed or not: the caller cannot always tell).
func (c *headCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.m, id)
}
