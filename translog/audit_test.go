package translog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

// auditFixture is a log of 1000 events with a checkpoint saved at size 600
// and a current checkpoint at size 1000.
type auditFixture struct {
	log   *Log
	mem   *MemStorage
	saved []byte
	key   note.Signer
	ver   note.Verifier
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	ctx := context.Background()
	s, v := testKeys(t)
	f := &auditFixture{mem: NewMemStorage(), key: s, ver: v}
	f.log = New(f.mem)
	appendN(t, f.log, 0, 600, 100)
	var err error
	if f.saved, err = f.log.SignCheckpoint(ctx, s); err != nil {
		t.Fatal(err)
	}
	appendN(t, f.log, 600, 1000, 128)
	if _, err := f.log.SignCheckpoint(ctx, s); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *auditFixture) audit(saved []byte) (*AuditResult, error) {
	a := &Auditor{Fetch: f.log.ReadPath, LogKey: f.ver}
	return a.Audit(context.Background(), saved)
}

// setTileHash flips a byte of hash i of stored tile id.
func (f *auditFixture) corruptTile(id TileID, i int) {
	t := append([]byte(nil), f.mem.tiles[id]...)
	t[i*HashSize] ^= 1
	f.mem.tiles[id] = t
}

func wantDivergence(t *testing.T, err error, start, end uint64) *DivergenceError {
	t.Helper()
	var d *DivergenceError
	if !errors.As(err, &d) {
		t.Fatalf("Audit error = %v, want *DivergenceError", err)
	}
	if d.Start != start || d.End != end {
		t.Fatalf("divergence in [%d, %d), want [%d, %d): %v", d.Start, d.End, start, end, err)
	}
	return d
}

func TestAuditClean(t *testing.T) {
	f := newAuditFixture(t)
	var seen []uint64
	a := &Auditor{Fetch: f.log.ReadPath, LogKey: f.ver, Visit: func(r Record) error {
		if r.Event.CredentialID != testEvent(int(r.Index)).CredentialID {
			t.Errorf("record %d is about %s", r.Index, r.Event.CredentialID)
		}
		seen = append(seen, r.Index)
		return nil
	}}
	res, err := a.Audit(context.Background(), f.saved)
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint.Size != 1000 || len(seen) != 1000 || seen[999] != 999 {
		t.Fatalf("audit saw %d entries, checkpoint size %d", len(seen), res.Checkpoint.Size)
	}
	// The next audit starts from the note this one returned.
	if _, err := f.audit(res.Note); err != nil {
		t.Fatal(err)
	}
	if _, err := f.audit(nil); err != nil {
		t.Fatal(err)
	}
}

func TestAuditEmptyLog(t *testing.T) {
	s, v := testKeys(t)
	l := New(NewMemStorage())
	saved, err := l.SignCheckpoint(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	a := &Auditor{Fetch: l.ReadPath, LogKey: v}
	if _, err := a.Audit(context.Background(), saved); err != nil {
		t.Fatal(err)
	}
}

func TestAuditDetectsRewrittenEntry(t *testing.T) {
	f := newAuditFixture(t)
	e := testEvent(700)
	e.CredentialDigest[0] ^= 1 // the stored credential was swapped
	f.mem.entries[700], _ = e.Marshal()
	d := wantDivergence(t, mustFail(f.audit(f.saved)), 700, 701)
	if d.Path != "tile/0/002" {
		t.Errorf("divergence path = %q", d.Path)
	}
}

func TestAuditDetectsDeletedEntry(t *testing.T) {
	f := newAuditFixture(t)
	f.mem.entries = append(f.mem.entries[:300:300], f.mem.entries[301:]...)
	wantDivergence(t, mustFail(f.audit(f.saved)), 300, 301)
}

func TestAuditDetectsChangedLeafHash(t *testing.T) {
	f := newAuditFixture(t)
	f.corruptTile(TileID{Level: 0, Index: 1}, 5)
	wantDivergence(t, mustFail(f.audit(f.saved)), 261, 262)
}

func TestAuditDetectsChangedInteriorHash(t *testing.T) {
	f := newAuditFixture(t)
	f.corruptTile(TileID{Level: 1, Index: 0}, 2) // hash of entries [512, 768)
	wantDivergence(t, mustFail(f.audit(f.saved)), 512, 768)
}

func TestAuditDetectsRewrittenHistory(t *testing.T) {
	// The operator rebuilds the whole log with entry 100 changed, and signs
	// it with the log key: only the saved checkpoint can tell.
	ctx := context.Background()
	f := newAuditFixture(t)
	forged := New(NewMemStorage())
	appendN(t, forged, 0, 100, 100)
	e := testEvent(100)
	e.Type = Revoked
	if _, err := forged.Append(ctx, e); err != nil {
		t.Fatal(err)
	}
	appendN(t, forged, 101, 1000, 1000)
	if _, err := forged.SignCheckpoint(ctx, f.key); err != nil {
		t.Fatal(err)
	}
	a := &Auditor{Fetch: forged.ReadPath, LogKey: f.ver}
	_, err := a.Audit(ctx, f.saved)
	d := wantDivergence(t, err, 0, 600)
	var fork *ForkError
	if !errors.As(err, &fork) || d.Fork == nil || fork.A.Size != 600 || fork.B.Size != 1000 {
		t.Fatalf("rewritten history: error %v does not carry the fork", err)
	}
	// Same size: a fork from the checkpoints alone.
	current, _ := f.log.Checkpoint(ctx)
	_, err = a.Audit(ctx, current)
	if !errors.As(err, &fork) || fork.A.Size != 1000 || string(fork.NoteA) != string(current) {
		t.Fatalf("same-size fork: error = %v, want *ForkError", err)
	}
	if err := CheckFork(current, fork.NoteB, f.ver); err == nil {
		t.Error("CheckFork does not see the fork Audit found")
	}
}

func TestAuditDetectsRollback(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	newer, _ := f.log.Checkpoint(ctx)
	// The log serves its old checkpoint again.
	f.mem.checkpoint = f.saved
	wantDivergence(t, mustFail(f.audit(newer)), 600, 1000)
}

func TestAuditDetectsCheckpointNotMatchingTree(t *testing.T) {
	f := newAuditFixture(t)
	msg, err := SignCheckpoint(Checkpoint{Origin: f.key.Name(), Size: 1000, Hash: make([]byte, 32)}, f.key)
	if err != nil {
		t.Fatal(err)
	}
	f.mem.checkpoint = msg
	d := wantDivergence(t, mustFail(f.audit(nil)), 0, 1000)
	if d.Path != "checkpoint" {
		t.Errorf("divergence path = %q, want checkpoint", d.Path)
	}
}

func TestAuditRejectsUnsignedCheckpoint(t *testing.T) {
	f := newAuditFixture(t)
	other, _, _ := note.GenerateKey(nil, f.key.Name())
	s, _ := note.NewSigner(other)
	msg, _ := SignCheckpoint(Checkpoint{Origin: f.key.Name(), Size: 1000, Hash: make([]byte, 32)}, s)
	f.mem.checkpoint = msg
	_, err := f.audit(nil)
	var d *DivergenceError
	if err == nil || errors.As(err, &d) {
		t.Fatalf("checkpoint signed by another key: error = %v, want a signature error", err)
	}
}

func TestAuditFetchFailureIsNotDivergence(t *testing.T) {
	f := newAuditFixture(t)
	a := &Auditor{LogKey: f.ver, Fetch: func(ctx context.Context, path string) ([]byte, error) {
		if path == "tile/0/001" {
			return nil, errors.New("connection reset")
		}
		return f.log.ReadPath(ctx, path)
	}}
	_, err := a.Audit(context.Background(), f.saved)
	var d *DivergenceError
	if err == nil || errors.As(err, &d) {
		t.Fatalf("fetch failure: error = %v, want a plain error", err)
	}
}

func mustFail(_ *AuditResult, err error) error { return err }

// unservedFetcher serves f's log but fails (as a server with a hole in its
// entries does) for every entry bundle of index n wider than served.
func unservedFetcher(f *auditFixture, n uint64, served int) Fetcher {
	return func(ctx context.Context, path string) ([]byte, error) {
		if t, err := ParseTilePath(path); err == nil && t.Entries && t.Index == n && t.Width > served {
			return nil, errors.New("HTTP 500")
		}
		return f.log.ReadPath(ctx, path)
	}
}

func TestAuditReportsUnservedEntries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		bundle     uint64
		served     int // widest partial bundle served
		start, end uint64
		path       string
	}{
		// Nothing of the bundle served: its range, within the tree.
		{"full bundle", 1, 0, 256, 512, "tile/entries/001"},
		{"last bundle", 3, 0, 768, 1000, "tile/entries/003.p/232"},
		// Narrower bundles served: the first entry not served.
		{"entry in a full bundle", 2, 37, 512 + 37, 512 + 38, "tile/entries/002.p/38"},
		{"entry in the last bundle", 3, 231, 999, 1000, "tile/entries/003.p/232"},
		{"first entry", 0, 0, 0, 256, "tile/entries/000"},
		{"second entry", 0, 1, 1, 2, "tile/entries/000.p/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newAuditFixture(t)
			a := &Auditor{LogKey: f.ver, Fetch: unservedFetcher(f, tc.bundle, tc.served)}
			_, err := a.Audit(context.Background(), f.saved)
			var fe *FetchError
			if !errors.As(err, &fe) {
				t.Fatalf("Audit error = %v, want *FetchError", err)
			}
			if fe.Start != tc.start || fe.End != tc.end || fe.Path != tc.path || fe.Err == nil {
				t.Errorf("FetchError{%d, %d, %q, %v}, want [%d, %d) at %q", fe.Start, fe.End, fe.Path, fe.Err, tc.start, tc.end, tc.path)
			}
			var d *DivergenceError
			if errors.As(err, &d) {
				t.Errorf("a fetch failure is a divergence: %v", err)
			}
		})
	}
}

// TestAuditChecksNarrowerBundles: entries the log serves in a narrower
// bundle are checked, and one that does not hash to its leaf is reported
// before the entry that is not served.
func TestAuditChecksNarrowerBundles(t *testing.T) {
	f := newAuditFixture(t)
	e := testEvent(520)
	e.CredentialDigest[0] ^= 1
	f.mem.entries[520], _ = e.Marshal()
	a := &Auditor{LogKey: f.ver, Fetch: unservedFetcher(f, 2, 100)}
	wantDivergence(t, mustFail(a.Audit(context.Background(), f.saved)), 520, 521)
}

// TestAuditNarrowBundleWiderThanAsked: a partial bundle served with more
// entries than its width does not stand in for the bundle not served.
func TestAuditNarrowBundleWiderThanAsked(t *testing.T) {
	f := newAuditFixture(t)
	a := &Auditor{LogKey: f.ver, Fetch: func(ctx context.Context, path string) ([]byte, error) {
		switch {
		case path == "tile/entries/001":
			return nil, errors.New("HTTP 500")
		case strings.HasPrefix(path, "tile/entries/001.p/"):
			return f.log.ReadPath(ctx, "tile/entries/001")
		}
		return f.log.ReadPath(ctx, path)
	}}
	_, err := a.Audit(context.Background(), f.saved)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Start != 511 || fe.End != 512 {
		t.Fatalf("Audit error = %v, want the fetch of entry 511 failed", err)
	}
}
