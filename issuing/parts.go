package issuing

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/cairn-badges/cairn"
)

// What an award is built from, cached by version
//
// Every award reads its achievement, the issuer profile and the issuer's
// current keys, and opens the keys: three queries, two of them decoding
// JSON columns, most of a hundred allocations. With a store that tells
// their version (cairn.IssueVersionStore), the service keeps what it read
// under that version. A single award is built from what is kept, and the
// store inserts it only if the version is still current in the inserting
// transaction (InsertAwardsAt); else the service reads them anew and signs
// again. Batches read the version first. Either way a change to the
// achievement, the issuer or its keys (made by this process or another
// replica) is in the next award committed after it. The cached achievement
// and issuer are shared by concurrent awards: read only.

// issueParts is what one version of an achievement's issuing rows gave.
type issueParts struct {
	v   cairn.IssueVersion
	ach *cairn.Achievement
	is  *cairn.Issuer
	di  *formatSigners // Data Integrity only
	all *formatSigners // with the JWT key; nil until an award asks for it
}

// partsCache holds issueParts by organization and achievement.
type partsCache struct {
	mu sync.Mutex
	m  map[partsKey]*issueParts
}

type partsKey struct{ org, ach string }

func (c *partsCache) get(k partsKey) *issueParts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *partsCache) put(k partsKey, p *issueParts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[partsKey]*issueParts{}
	}
	c.m[k] = p
}

// awardParts returns the achievement achID of the organization, its
// issuer and the signers for formats: from the cache when the store says
// their version has not changed, else from the store. Errors: NotFound
// (field achievementId), those of the store.
func (s *Service) awardParts(ctx context.Context, orgID, achID string, formats []string) (*cairn.Achievement, *cairn.Issuer, *formatSigners, error) {
	ach, is, fs, _, err := s.awardPartsAt(ctx, orgID, achID, formats)
	return ach, is, fs, err
}

// cachedParts returns what awardParts would from the cache alone, with
// the version it was read at, for an award the store checks against that
// version when it inserts it (cairn.IssueVersionStore.InsertAwardsAt); ok
// is false when the cache has nothing for it.
func (s *Service) cachedParts(orgID, achID string, formats []string) (ach *cairn.Achievement, is *cairn.Issuer, fs *formatSigners, v cairn.IssueVersion, ok bool) {
	p := s.parts.get(partsKey{orgID, achID})
	if p == nil {
		return nil, nil, nil, cairn.IssueVersion{}, false
	}
	if fs := p.signers(wantsJWT(formats)); fs != nil {
		return p.ach, p.is, fs, p.v, true
	}
	return nil, nil, nil, cairn.IssueVersion{}, false
}

// awardPartsAt is awardParts, with the version read (the zero version
// when the store tells none).
func (s *Service) awardPartsAt(ctx context.Context, orgID, achID string, formats []string) (*cairn.Achievement, *cairn.Issuer, *formatSigners, cairn.IssueVersion, error) {
	vs, ok := s.store.(cairn.IssueVersionStore)
	if !ok {
		ach, is, fs, err := s.loadParts(ctx, orgID, achID, formats)
		return ach, is, fs, cairn.IssueVersion{}, err
	}
	v, err := vs.IssueVersion(ctx, orgID, achID)
	if err != nil {
		return nil, nil, nil, v, fieldErr("achievementId", err)
	}
	key := partsKey{orgID, achID}
	jwt := wantsJWT(formats)
	p := s.parts.get(key)
	if p != nil && p.v == v {
		if fs := p.signers(jwt); fs != nil {
			return p.ach, p.is, fs, v, nil
		}
	}
	// Read them after the version: what is cached under v is v or newer,
	// and anything newer than v changes the version the next award reads.
	ach, is, fs, err := s.loadParts(ctx, orgID, achID, formats)
	if err != nil {
		return nil, nil, nil, v, err
	}
	np := &issueParts{v: v, ach: ach, is: is}
	if p != nil && p.v == v {
		np.ach, np.is, np.di, np.all = p.ach, p.is, p.di, p.all
	}
	if jwt {
		np.all = fs
	} else {
		np.di = fs
	}
	s.parts.put(key, np)
	return np.ach, np.is, fs, v, nil
}

func (p *issueParts) signers(jwt bool) *formatSigners {
	if jwt {
		return p.all
	}
	return p.di
}

func wantsJWT(formats []string) bool {
	for _, f := range formats {
		if f == cairn.FormatJWT {
			return true
		}
	}
	return false
}

// loadParts reads the achievement, its issuer and the signers from the
// store.
func (s *Service) loadParts(ctx context.Context, orgID, achID string, formats []string) (*cairn.Achievement, *cairn.Issuer, *formatSigners, error) {
	ach, err := s.store.Achievement(ctx, orgID, achID)
	if err != nil {
		return nil, nil, nil, fieldErr("achievementId", err)
	}
	is, err := s.store.Issuer(ctx, orgID, ach.IssuerID)
	if err != nil {
		return nil, nil, nil, err
	}
	fs, err := s.signers(ctx, is, formats)
	if err != nil {
		return nil, nil, nil, err
	}
	return ach, is, fs, nil
}

// The evidence and results of awards
//
// What a request gives as evidence and results goes into the credential
// as encoding/json decodes its encoding, and must pass the strict schema.
// Awards often carry the same (one result status, one evidence URL for a
// course): the decoded form and whether it passed are kept by the
// encoding, so the same part is decoded and checked once. The decoded
// form is shared by the credentials that hold it: read only.

// requestPart is the JSON form of one award's evidence or results.
type requestPart struct {
	v      any
	passed atomic.Bool // it passed the strict schema check in a credential
}

// requestParts caches requestParts by their encoding.
type requestParts struct {
	mu sync.Mutex
	m  map[string]*requestPart
}

// maxPartLen is the longest encoding kept.
const maxPartLen = 4096

func (c *requestParts) get(v any) (*requestPart, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	p := c.m[string(data)]
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p = &requestPart{}
	if err := json.Unmarshal(data, &p.v); err != nil {
		return nil, err
	}
	if len(data) <= maxPartLen {
		c.mu.Lock()
		if c.m == nil || len(c.m) >= maxCached {
			c.m = map[string]*requestPart{}
		}
		c.m[string(data)] = p
		c.mu.Unlock()
	}
	return p, nil
}

// builtParts are the request parts of one credential.
type builtParts struct{ evidence, results *requestPart }

// checked reports whether every part the credential has passed the
// strict schema check before.
func (b builtParts) checked() bool {
	return (b.evidence == nil || b.evidence.passed.Load()) && (b.results == nil || b.results.passed.Load())
}

// passed records that the credential's parts passed.
func (b builtParts) passed() {
	for _, p := range []*requestPart{b.evidence, b.results} {
		if p != nil {
			p.passed.Store(true)
		}
	}
}
