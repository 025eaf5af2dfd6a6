package issuing

import (
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cairn-badges/cairn"
)

// What every award of one achievement shares, computed once
//
// Two parts of building a credential do not depend on the award: the JSON
// form of the issuer profile and of the achievement (with its creator),
// which are most of the credential, and whether credentials of that shape
// pass the strict OB 3.0 schema. The first is cached per version of the
// achievement and issuer; the second is checked on the first credential
// of each shape and on a sample of the others (every one in tests).

// maxCached bounds the template and shape caches; past it, they start
// again empty.
const maxCached = 4096

// DefaultSchemaSample is how many issued credentials share one strict
// schema check, after the first of each shape (Options.SchemaSample).
const DefaultSchemaSample = 64

// credTemplate is the JSON form (as encoding/json decodes it) of the parts
// of a credential shared by every award of an achievement version. Its
// maps are shared by the credentials built from it: read only.
type credTemplate struct {
	issuer      map[string]any
	achievement map[string]any
}

// templateKey identifies a version of an achievement and its issuer, or
// is "" when they do not say their version (not read from the store).
func templateKey(ach *cairn.Achievement, is *cairn.Issuer) string {
	if ach.UpdatedAt.IsZero() || is.UpdatedAt.IsZero() {
		return ""
	}
	b := make([]byte, 0, 2*36+48)
	b = append(b, ach.ID...)
	b = strconv.AppendInt(append(b, '@'), ach.UpdatedAt.UnixMicro(), 10)
	b = append(append(b, '/'), is.ID...)
	b = strconv.AppendInt(append(b, '@'), is.UpdatedAt.UnixMicro(), 10)
	return string(b)
}

// templates caches credTemplates by templateKey.
type templates struct {
	mu sync.Mutex
	m  map[string]*credTemplate
}

// template returns the shared parts of ach's credentials.
func (s *Service) template(ach *cairn.Achievement, is *cairn.Issuer) (*credTemplate, error) {
	key := templateKey(ach, is)
	if key != "" {
		s.templates.mu.Lock()
		t := s.templates.m[key]
		s.templates.mu.Unlock()
		if t != nil {
			return t, nil
		}
	}
	t := &credTemplate{}
	if err := roundTrip(s.Profile(is), &t.issuer); err != nil {
		return nil, err
	}
	if err := roundTrip(s.OBAchievement(ach, is), &t.achievement); err != nil {
		return nil, err
	}
	if key != "" {
		s.templates.mu.Lock()
		if s.templates.m == nil || len(s.templates.m) >= maxCached {
			s.templates.m = map[string]*credTemplate{}
		}
		s.templates.m[key] = t
		s.templates.mu.Unlock()
	}
	return t, nil
}

// roundTrip sets *m to the JSON form of v.
func roundTrip(v any, m *map[string]any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, m)
}

// schemaSampler decides which credentials get the strict schema check.
type schemaSampler struct {
	every int // 1: all
	n     atomic.Uint64
	mu    sync.Mutex
	seen  map[string]bool // shapes already checked
}

func newSchemaSampler(every int) *schemaSampler {
	switch {
	case every <= 0 && testing.Testing():
		every = 1
	case every <= 0:
		every = DefaultSchemaSample
	}
	return &schemaSampler{every: every, seen: map[string]bool{}}
}

// shape names what decides the structure of an award's credential: the
// achievement and issuer version, and which optional parts it has.
func shape(aw *cairn.Award, ach *cairn.Achievement, is *cairn.Issuer) string {
	key := templateKey(ach, is)
	if key == "" {
		return ""
	}
	var bits uint
	for i, set := range []bool{aw.Recipient.Type == cairn.RecipientDID, aw.Recipient.Salt != "", aw.Narrative != "",
		len(aw.Evidence) > 0, len(aw.Results) > 0, aw.CreditsEarned != nil, aw.ActivityStart != nil,
		aw.ActivityEnd != nil, aw.ValidUntil != nil} {
		if set {
			bits |= 1 << i
		}
	}
	return key + "#" + strconv.FormatUint(uint64(bits), 16)
}

// check reports whether this credential is to be checked: every one when
// sampling is off, the first of each shape, and one in every after that.
func (c *schemaSampler) check(shape string) bool {
	if c.every == 1 || shape == "" {
		return true
	}
	c.mu.Lock()
	first := !c.seen[shape]
	if first {
		if len(c.seen) >= maxCached {
			c.seen = map[string]bool{}
		}
		c.seen[shape] = true
	}
	c.mu.Unlock()
	return first || c.n.Add(1)%uint64(c.every) == 0
}

// schemaCheck reports whether the credential being signed for aw is to be
// checked against the strict OB 3.0 schema.
//
// What a request puts in results and evidence (a result status, extension
// members) is the schema's to judge award by award, since a sample would
// let a bad one out: a credential not sampled whose award has them gets
// them checked alone (ob.ValidateIssuedParts), which is most of the
// whole check's work saved.
func (s *Service) schemaCheck(aw *cairn.Award, ach *cairn.Achievement, is *cairn.Issuer) bool {
	return s.schema.check(shape(aw, ach, is))
}

// SetSchemaSample sets Options.SchemaSample after New: benchmarks, which
// run in a test binary, use it to measure the production default. Call it
// before the service issues.
func (s *Service) SetSchemaSample(n int) { s.schema = newSchemaSampler(n) }
