package issuing

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/keyring"
	"github.com/cairn-badges/cairn/store"
	"github.com/cairn-badges/cairn/translog"
)

// logNode is one process of a Cairn instance: a store handle on the shared
// database file and a service whose store writes log events to the outbox.
type logNode struct {
	db  *store.DB
	svc *Service
}

func openLogNode(t *testing.T, path string, kr *keyring.Keyring) *logNode {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := New(db, kr, Options{BaseURL: "https://badges.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	db.AwardEvent = svc.AwardEvent
	return &logNode{db: db, svc: svc}
}

func (n *logNode) openLog(t *testing.T) *TransparencyLog {
	t.Helper()
	l, err := n.svc.OpenLog(context.Background(), n.db.LogStorage(), LogOptions{BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (n *logNode) setup(t *testing.T) (orgID, achID string) {
	t.Helper()
	ctx := context.Background()
	org := &cairn.Organization{Slug: "uni", Name: "Example University"}
	if err := n.db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	is, err := n.svc.CreateIssuer(ctx, org.ID, IssuerInput{Name: "School", URL: "https://example.org", Email: "b@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ach, err := n.svc.CreateAchievement(ctx, org.ID, AchievementInput{IssuerID: is.ID, Name: "Badge", Description: "A badge.",
		CriteriaNarrative: "Do it.", ValidForMonths: 12})
	if err != nil {
		t.Fatal(err)
	}
	return org.ID, ach.ID
}

func (n *logNode) award(t *testing.T, orgID, achID string, i int) *cairn.Award {
	t.Helper()
	aw, _, err := n.svc.Award(context.Background(), orgID, AwardInput{AchievementID: achID,
		Recipient: RecipientInput{Email: fmt.Sprintf("learner%d@example.org", i)}})
	if err != nil {
		t.Fatal(err)
	}
	return aw
}

// TestLogOutboxCrash changes awards in every way the log records, "crashes"
// before the worker drains the outbox and after a failed append, restarts
// on the same database, and finds every change in the log exactly once,
// in order, under a signed checkpoint.
func TestLogOutboxCrash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cairn.db")
	kr, err := keyring.New(keyring.GenerateMasterKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n1 := openLogNode(t, path, kr)
	l1 := n1.openLog(t)
	orgID, achID := n1.setup(t)

	var awards []*cairn.Award
	for i := range 10 {
		awards = append(awards, n1.award(t, orgID, achID, i))
	}
	want := map[string][]translog.EventType{}
	for _, aw := range awards {
		want[n1.svc.CredentialURL(aw.ID)] = []translog.EventType{translog.Issued}
	}
	change := func(aw *cairn.Award, typ translog.EventType, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		u := n1.svc.CredentialURL(aw.ID)
		want[u] = append(want[u], typ)
	}
	_, err = n1.svc.SetState(ctx, orgID, awards[0].ID, cairn.StateRevoked, "fraud")
	change(awards[0], translog.Revoked, err)
	_, err = n1.svc.SetState(ctx, orgID, awards[1].ID, cairn.StateSuspended, "inquiry")
	change(awards[1], translog.Suspended, err)
	_, err = n1.svc.SetState(ctx, orgID, awards[1].ID, cairn.StateSuspended, "inquiry, still") // same state: no event
	if err != nil {
		t.Fatal(err)
	}
	_, err = n1.svc.SetState(ctx, orgID, awards[1].ID, cairn.StateActive, "cleared")
	change(awards[1], translog.Reinstated, err)
	_, err = n1.svc.Reissue(ctx, orgID, awards[2].ID)
	change(awards[2], translog.Reissued, err)
	until := time.Now().AddDate(3, 0, 0)
	renewed, err := n1.svc.Renew(ctx, orgID, awards[3].ID, &until)
	change(awards[3], translog.Renewed, err)
	total := 10 + 5

	// An award created under a failing hook is not stored: no award
	// without its event.
	n1.db.AwardEvent = func(context.Context, *cairn.Award, *cairn.Award) (*translog.Event, error) {
		return nil, cairn.Errorf(cairn.Unavailable, "log down")
	}
	if _, _, err := n1.svc.Award(ctx, orgID, AwardInput{AchievementID: achID, Recipient: RecipientInput{Email: "x@example.org"}}); err == nil {
		t.Fatal("an award was created although its event could not be written")
	}
	if c, _ := n1.db.CountAwards(ctx, cairn.AwardFilter{OrgID: orgID}); c != 10 {
		t.Fatalf("%d awards stored, want 10", c)
	}

	// Crash one: the worker never ran.
	if n, _ := n1.db.LogStorage().OutboxPending(ctx, ""); n != total {
		t.Fatalf("%d events in the outbox, want %d", n, total)
	}
	// Crash two: an append that fails leaves the outbox as it was.
	failing := &failingStore{LogStore: n1.db.LogStorage()}
	lf, err := n1.svc.OpenLog(ctx, failing, LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lf.Drain(ctx); err == nil {
		t.Fatal("Drain over a failing append succeeded")
	}
	if n, _ := n1.db.LogStorage().OutboxPending(ctx, ""); n != total {
		t.Fatalf("after a failed append, %d events in the outbox, want %d", n, total)
	}
	if size, _ := l1.Log().Size(ctx); size != 0 {
		t.Fatalf("log size %d after a failed append", size)
	}
	n1.db.Close()

	// Restart: a new process, the same database and master key.
	n2 := openLogNode(t, path, kr)
	l2 := n2.openLog(t)
	if l2.VerifierKey() != l1.VerifierKey() {
		t.Fatalf("the log key changed across restarts: %s, %s", l1.VerifierKey(), l2.VerifierKey())
	}
	if got, err := l2.Drain(ctx); err != nil || got != total {
		t.Fatalf("Drain = %d, %v; want %d", got, err, total)
	}
	if got, err := l2.Drain(ctx); err != nil || got != 0 {
		t.Fatalf("second Drain = %d, %v; want 0", got, err)
	}
	msg, cp, err := l2.Checkpoint(ctx)
	if err != nil || cp.Size != uint64(total) || cp.Origin != "badges.example.org/log" {
		t.Fatalf("checkpoint %+v, %v; want size %d", cp, err, total)
	}
	for u, types := range want {
		recs, err := l2.Log().Lookup(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var got []translog.EventType
		for _, r := range recs {
			got = append(got, r.Event.Type)
			p, err := l2.Log().InclusionProof(ctx, r.Index, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			entry, _ := r.Event.Marshal()
			if err := translog.VerifyInclusion(cp, r.Index, entry, p); err != nil {
				t.Errorf("%s: %v", u, err)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(types) {
			t.Errorf("%s: events %v, want %v", u, got, types)
		}
	}
	recs, _ := l2.Log().Lookup(ctx, n2.svc.CredentialURL(renewed.ID))
	if last := recs[len(recs)-1].Event; last.CredentialDigest != sha256.Sum256(renewed.CredentialJSON) ||
		last.Issuer != n2.svc.IssuerDID(&cairn.Issuer{ID: renewed.IssuerID}) {
		t.Errorf("renewal event %+v does not digest the renewed credential or name its issuer", last)
	}
	a := &translog.Auditor{Fetch: l2.Log().ReadPath, LogKey: l2.Verifier()}
	if _, err := a.Audit(ctx, msg); err != nil {
		t.Errorf("audit: %v", err)
	}
}

type failingStore struct{ LogStore }

func (f *failingStore) Draining(seqs []int64) translog.Storage {
	return &failingAppend{f.LogStore.Draining(seqs)}
}

type failingAppend struct{ translog.Storage }

func (f *failingAppend) Append(context.Context, *translog.Batch) error {
	return errors.New("disk on fire")
}

// TestLogTwoWorkers drains one outbox from two processes at once: every
// event enters the log exactly once.
func TestLogTwoWorkers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cairn.db")
	kr, _ := keyring.New(keyring.GenerateMasterKey(), nil)
	a, b := openLogNode(t, path, kr), openLogNode(t, path, kr)
	orgID, achID := a.setup(t)
	la, lb := a.openLog(t), b.openLog(t)
	if la.VerifierKey() != lb.VerifierKey() {
		t.Fatal("two processes made two log keys")
	}
	const n = 60
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, l := range []*TransparencyLog{la, lb} {
		wg.Go(func() {
			for {
				if _, err := l.Drain(ctx); err != nil {
					t.Error(err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	for i := range n {
		(map[bool]*logNode{true: a, false: b})[i%2 == 0].award(t, orgID, achID, i)
	}
	close(stop)
	wg.Wait()
	if _, err := la.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	size, _ := la.Log().Size(ctx)
	if size != n {
		t.Fatalf("log size %d, want %d", size, n)
	}
	recs, err := la.Log().Records(ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.Event.CredentialID] {
			t.Errorf("%s logged twice", r.Event.CredentialID)
		}
		seen[r.Event.CredentialID] = true
	}
}

// TestWaitIncluded runs the worker and waits for a new award's inclusion.
func TestWaitIncluded(t *testing.T) {
	ctx := context.Background()
	kr, _ := keyring.New(keyring.GenerateMasterKey(), nil)
	node := openLogNode(t, filepath.Join(t.TempDir(), "cairn.db"), kr)
	orgID, achID := node.setup(t)
	l := node.openLog(t)
	if _, err := l.WaitIncluded(ctx, "https://badges.example.org/credentials/nope", time.Second); cairn.KindOf(err) != cairn.NotFound {
		t.Errorf("WaitIncluded of an unknown credential: %v, want NotFound", err)
	}
	aw := node.award(t, orgID, achID, 1)
	u := node.svc.CredentialURL(aw.ID)
	if _, err := l.WaitIncluded(ctx, u, 50*time.Millisecond); cairn.KindOf(err) != cairn.Unavailable {
		t.Errorf("WaitIncluded without a worker: %v, want Unavailable", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { l.Run(wctx); close(done) }()
	defer func() { cancel(); <-done }()
	inc, err := l.WaitIncluded(ctx, u, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Index != 0 || inc.Checkpoint.Size != 1 {
		t.Errorf("inclusion %+v, want index 0 under size 1", inc)
	}
	if _, err := node.svc.SetState(ctx, orgID, aw.ID, cairn.StateRevoked, ""); err != nil {
		t.Fatal(err)
	}
	if inc, err = l.WaitIncluded(ctx, u, 10*time.Second); err != nil || inc.Index != 1 || inc.Checkpoint.Size != 2 {
		t.Errorf("after revocation: %+v, %v; want index 1 under size 2", inc, err)
	}
}
