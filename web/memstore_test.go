package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/cairn-badges/cairn"
)

// memStore is a small in-memory cairn.Store with the methods the issuing
// service and the public pages use; the others panic (nil embedded
// interface). The tests run on the SQL store when it is built in
// (see store_test.go); this one keeps them independent of it.
type memStore struct {
	cairn.Store
	mu           sync.Mutex
	now          func() time.Time
	orgs         map[string]*cairn.Organization
	issuers      map[string]*cairn.Issuer
	keys         map[string][]*cairn.IssuerKey
	images       map[string]*cairn.Image
	achievements map[string]*cairn.Achievement
	awards       map[string]*cairn.Award
	lists        map[string]*cairn.StatusList
	seq          int
}

func newMemStore() *memStore {
	return &memStore{
		now:  time.Now,
		orgs: map[string]*cairn.Organization{}, issuers: map[string]*cairn.Issuer{},
		keys: map[string][]*cairn.IssuerKey{}, images: map[string]*cairn.Image{},
		achievements: map[string]*cairn.Achievement{}, awards: map[string]*cairn.Award{},
		lists: map[string]*cairn.StatusList{},
	}
}

func (m *memStore) id() string {
	m.seq++
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%08x-%04x-4000-8000-%012x", m.seq, b[0], b[1:7])
}

func notFound(what string) error { return cairn.Errorf(cairn.NotFound, "no such %s", what) }

func (m *memStore) CreateOrganization(ctx context.Context, org *cairn.Organization) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if org.ID == "" {
		org.ID = m.id()
	}
	org.CreatedAt = m.now()
	c := *org
	m.orgs[org.ID] = &c
	return nil
}

func (m *memStore) Organization(ctx context.Context, id string) (*cairn.Organization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if o, ok := m.orgs[id]; ok {
		c := *o
		return &c, nil
	}
	return nil, notFound("organization")
}

func (m *memStore) CreateIssuer(ctx context.Context, is *cairn.Issuer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.orgs[is.OrgID] == nil {
		return notFound("organization")
	}
	is.ID = m.id()
	is.CreatedAt, is.UpdatedAt = m.now(), m.now()
	c := *is
	m.issuers[is.ID] = &c
	return nil
}

func (m *memStore) Issuer(ctx context.Context, orgID, id string) (*cairn.Issuer, error) {
	is, err := m.PublicIssuer(ctx, id)
	if err != nil || is.OrgID != orgID {
		return nil, notFound("issuer")
	}
	return is, nil
}

func (m *memStore) PublicIssuer(ctx context.Context, id string) (*cairn.Issuer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if is, ok := m.issuers[id]; ok {
		c := *is
		return &c, nil
	}
	return nil, notFound("issuer")
}

func (m *memStore) AddIssuerKey(ctx context.Context, orgID string, k *cairn.IssuerKey, retireOthers bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if is := m.issuers[k.IssuerID]; is == nil || is.OrgID != orgID {
		return notFound("issuer")
	}
	k.ID = m.id()
	k.CreatedAt = m.now()
	c := *k
	m.keys[k.IssuerID] = append(m.keys[k.IssuerID], &c)
	return nil
}

func (m *memStore) IssuerKeys(ctx context.Context, issuerID string) ([]*cairn.IssuerKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*cairn.IssuerKey
	for _, k := range m.keys[issuerID] {
		c := *k
		out = append(out, &c)
	}
	return out, nil
}

func (m *memStore) CreateImage(ctx context.Context, img *cairn.Image) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	img.ID = m.id()
	img.CreatedAt = m.now()
	c := *img
	m.images[img.ID] = &c
	return nil
}

func (m *memStore) Image(ctx context.Context, orgID, id string) (*cairn.Image, error) {
	img, err := m.PublicImage(ctx, id)
	if err != nil || img.OrgID != orgID {
		return nil, notFound("image")
	}
	return img, nil
}

func (m *memStore) PublicImage(ctx context.Context, id string) (*cairn.Image, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if img, ok := m.images[id]; ok {
		c := *img
		return &c, nil
	}
	return nil, notFound("image")
}

func (m *memStore) CreateAchievement(ctx context.Context, a *cairn.Achievement) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.ID = m.id()
	a.CreatedAt, a.UpdatedAt = m.now(), m.now()
	c := *a
	m.achievements[a.ID] = &c
	return nil
}

func (m *memStore) Achievement(ctx context.Context, orgID, id string) (*cairn.Achievement, error) {
	a, err := m.PublicAchievement(ctx, id)
	if err != nil || a.OrgID != orgID {
		return nil, notFound("achievement")
	}
	return a, nil
}

func (m *memStore) PublicAchievement(ctx context.Context, id string) (*cairn.Achievement, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.achievements[id]; ok {
		c := *a
		return &c, nil
	}
	return nil, notFound("achievement")
}

func (m *memStore) newList(issuerID string, p cairn.StatusPurpose) *cairn.StatusList {
	l := &cairn.StatusList{ID: m.id(), IssuerID: issuerID, Purpose: p, Size: cairn.StatusListSize,
		Bits: make([]byte, cairn.StatusListSize/8), Version: 1, CreatedAt: m.now(), UpdatedAt: m.now()}
	m.lists[l.ID] = l
	return l
}

func (m *memStore) CreateAward(ctx context.Context, a *cairn.Award, sign func(a *cairn.Award) error) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var rev, sus *cairn.StatusList
	for _, l := range m.lists {
		if l.IssuerID == a.IssuerID {
			if l.Purpose == cairn.PurposeRevocation {
				rev = l
			} else {
				sus = l
			}
		}
	}
	if rev == nil {
		rev, sus = m.newList(a.IssuerID, cairn.PurposeRevocation), m.newList(a.IssuerID, cairn.PurposeSuspension)
	}
	used := map[int]bool{}
	for _, o := range m.awards {
		if o.StatusListID == rev.ID {
			used[o.StatusIndex] = true
		}
	}
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(cairn.StatusListSize))
		if !used[int(n.Int64())] {
			a.StatusIndex = int(n.Int64())
			break
		}
	}
	if a.ID == "" {
		a.ID = m.id()
	}
	a.StatusListID, a.SuspensionListID, a.State = rev.ID, sus.ID, cairn.StateActive
	a.CreatedAt, a.UpdatedAt = m.now(), m.now()
	if err := sign(a); err != nil {
		return false, err
	}
	m.awards[a.ID] = cloneAward(a)
	return true, nil
}

func cloneAward(a *cairn.Award) *cairn.Award {
	c := *a
	c.CredentialJSON = slices.Clone(a.CredentialJSON)
	c.Formats = slices.Clone(a.Formats)
	return &c
}

func (m *memStore) Award(ctx context.Context, orgID, id string) (*cairn.Award, error) {
	a, err := m.PublicAward(ctx, id)
	if err != nil || a.OrgID != orgID {
		return nil, notFound("award")
	}
	return a, nil
}

func (m *memStore) PublicAward(ctx context.Context, id string) (*cairn.Award, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.awards[id]; ok {
		return cloneAward(a), nil
	}
	return nil, notFound("award")
}

func setBit(l *cairn.StatusList, i int, on bool) {
	if l.Bit(i) == on {
		return
	}
	l.Bits[i/8] ^= 0x80 >> (i % 8)
	l.Version++
	l.UpdatedAt = time.Now()
}

func (m *memStore) SetAwardState(ctx context.Context, orgID, id string, state cairn.AwardState, reason string) (*cairn.Award, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.awards[id]
	if !ok || a.OrgID != orgID {
		return nil, notFound("award")
	}
	if a.State == cairn.StateRevoked {
		return nil, cairn.Errorf(cairn.Conflict, "the award is revoked")
	}
	a.State, a.StateReason = state, reason
	a.UpdatedAt = m.now()
	setBit(m.lists[a.StatusListID], a.StatusIndex, state == cairn.StateRevoked)
	setBit(m.lists[a.SuspensionListID], a.StatusIndex, state == cairn.StateSuspended)
	return cloneAward(a), nil
}

func (m *memStore) UpdateAward(ctx context.Context, orgID, id string, change func(a *cairn.Award) error) (*cairn.Award, error) {
	a, err := m.Award(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if err := change(a); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a.UpdatedAt = m.now()
	m.awards[id] = cloneAward(a)
	return cloneAward(a), nil
}

func (m *memStore) StatusList(ctx context.Context, id string) (*cairn.StatusList, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.lists[id]; ok {
		c := *l
		c.Bits = slices.Clone(l.Bits)
		return &c, nil
	}
	return nil, notFound("status list")
}

func (m *memStore) UpdateStatusListSigned(ctx context.Context, id string, version int64, signed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.lists[id]
	if !ok {
		return notFound("status list")
	}
	if l.Version != version {
		return cairn.Errorf(cairn.Conflict, "status list changed")
	}
	l.Signed, l.SignedVersion = signed, version
	return nil
}
