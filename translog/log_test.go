package translog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
)

// testEvent returns a distinct valid event for index i.
func testEvent(i int) Event {
	types := []EventType{Issued, Reissued, Revoked, Suspended, Reinstated, Renewed}
	return Event{
		CredentialID:     fmt.Sprintf("https://badges.example.edu/credentials/%d", i/3),
		Issuer:           "did:web:badges.example.edu",
		CredentialDigest: sha256.Sum256(fmt.Appendf(nil, "credential %d", i)),
		Type:             types[i%len(types)],
		Time:             time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
	}
}

// mth is the RFC 6962 Merkle tree hash, straight from the definition in
// RFC 6962 §2.1, as an oracle independent of the tile code.
func mth(leaves [][]byte) []byte {
	if len(leaves) == 0 {
		h := sha256.Sum256(nil)
		return h[:]
	}
	lh := make([][]byte, len(leaves))
	for i, e := range leaves {
		h := sha256.Sum256(append([]byte{0}, e...))
		lh[i] = h[:]
	}
	return mthHashes(lh)
}

func mthHashes(lh [][]byte) []byte {
	if len(lh) == 1 {
		return lh[0]
	}
	k := 1
	for k*2 < len(lh) {
		k *= 2
	}
	h := sha256.Sum256(append(append([]byte{1}, mthHashes(lh[:k])...), mthHashes(lh[k:])...))
	return h[:]
}

// appendN appends events [from, to) to l in batches of batch.
func appendN(t testing.TB, l *Log, from, to, batch int) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < to; i += batch {
		evs := make([]Event, 0, batch)
		for j := i; j < min(to, i+batch); j++ {
			evs = append(evs, testEvent(j))
		}
		got, err := l.Append(ctx, evs...)
		if err != nil {
			t.Fatal(err)
		}
		if got != uint64(i) {
			t.Fatalf("Append returned index %d, want %d", got, i)
		}
	}
}

func TestRootsAndProofs(t *testing.T) {
	ctx := context.Background()
	for _, batch := range []int{1, 7, 256, 1000} {
		t.Run(fmt.Sprint("batch", batch), func(t *testing.T) {
			l := New(NewMemStorage())
			const n = 1100
			var entries [][]byte
			roots := map[uint64][]byte{0: EmptyRoot()}
			for i := 0; i < n; i += batch {
				appendN(t, l, i, min(n, i+batch), batch)
				for j := i; j < min(n, i+batch); j++ {
					b, _ := testEvent(j).Marshal()
					entries = append(entries, b)
				}
				size := uint64(len(entries))
				if batch == 1 && size%61 != 0 {
					continue
				}
				got, err := l.RootHash(ctx, size)
				if err != nil {
					t.Fatal(err)
				}
				if want := mth(entries); !bytes.Equal(got, want) {
					t.Fatalf("RootHash(%d) = %x, want %x", size, got, want)
				}
				roots[size] = got
			}
			// Roots of every earlier size, from tiles written later.
			for _, size := range []uint64{0, 1, 2, 255, 256, 257, 511, 512, 513, 1023, 1024, 1099} {
				got, err := l.RootHash(ctx, size)
				if err != nil {
					t.Fatal(err)
				}
				if want := mth(entries[:size]); !bytes.Equal(got, want) {
					t.Fatalf("RootHash(%d) after growth = %x, want %x", size, got, want)
				}
				roots[size] = got
			}
			r := rand.New(rand.NewPCG(1, uint64(batch)))
			for k := 0; k < 100; k++ {
				size := 1 + r.Uint64N(n)
				index := r.Uint64N(size)
				p, err := l.InclusionProof(ctx, index, size)
				if err != nil {
					t.Fatal(err)
				}
				root := mth(entries[:size])
				if err := proof.VerifyInclusion(hasher, index, size, LeafHash(entries[index]), p, root); err != nil {
					t.Fatalf("inclusion %d in %d: %v", index, size, err)
				}
				if err := VerifyInclusion(Checkpoint{Size: size, Hash: root}, index, entries[index], p); err != nil {
					t.Fatal(err)
				}
				other := entries[(index+1)%uint64(len(entries))]
				if VerifyInclusion(Checkpoint{Size: size, Hash: root}, index, other, p) == nil {
					t.Fatalf("inclusion proof %d in %d verifies for another entry", index, size)
				}
				size1 := r.Uint64N(size + 1)
				cp, err := l.ConsistencyProof(ctx, size1, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyConsistency(hasher, size1, size, cp, mth(entries[:size1]), root); err != nil {
					t.Fatalf("consistency %d → %d: %v", size1, size, err)
				}
				older, newer := Checkpoint{Size: size1, Hash: mth(entries[:size1])}, Checkpoint{Size: size, Hash: root}
				if err := VerifyConsistency(older, newer, cp); err != nil {
					t.Fatal(err)
				}
				if size1 > 0 && size1 < size && VerifyConsistency(Checkpoint{Size: size1, Hash: mth(entries[1 : size1+1])}, newer, cp) == nil {
					t.Fatalf("consistency proof %d → %d verifies for another old tree", size1, size)
				}
			}
		})
	}
}

func TestProofArguments(t *testing.T) {
	ctx := context.Background()
	l := New(NewMemStorage())
	appendN(t, l, 0, 10, 10)
	for _, c := range []struct{ index, size uint64 }{{10, 10}, {0, 11}, {5, 3}} {
		if _, err := l.InclusionProof(ctx, c.index, c.size); !errors.Is(err, ErrInvalid) {
			t.Errorf("InclusionProof(%d, %d) error = %v, want ErrInvalid", c.index, c.size, err)
		}
	}
	for _, c := range []struct{ a, b uint64 }{{5, 4}, {0, 11}} {
		if _, err := l.ConsistencyProof(ctx, c.a, c.b); !errors.Is(err, ErrInvalid) {
			t.Errorf("ConsistencyProof(%d, %d) error = %v, want ErrInvalid", c.a, c.b, err)
		}
	}
	if _, err := l.RootHash(ctx, 11); !errors.Is(err, ErrInvalid) {
		t.Errorf("RootHash(11) error = %v, want ErrInvalid", err)
	}
	if _, err := l.Append(ctx); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append() error = %v, want ErrInvalid", err)
	}
	bad := testEvent(1)
	bad.Type = "deleted"
	if _, err := l.Append(ctx, testEvent(10), bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append(bad event) error = %v, want ErrInvalid", err)
	}
	if n, _ := l.Size(ctx); n != 10 {
		t.Errorf("Size after a failed batch = %d, want 10", n)
	}
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	l := New(NewMemStorage())
	appendN(t, l, 0, 30, 4)
	id := testEvent(7).CredentialID // events 6, 7, 8
	rs, err := l.Lookup(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Index != 6 || rs[2].Index != 8 {
		t.Fatalf("Lookup(%s) = %+v, want indexes 6, 7, 8", id, rs)
	}
	for _, r := range rs {
		if r.Event.CredentialID != id || !r.Event.Time.Equal(testEvent(int(r.Index)).Time) {
			t.Errorf("record %d = %+v", r.Index, r.Event)
		}
	}
	rs, err = l.Lookup(ctx, "urn:uuid:none")
	if err != nil || len(rs) != 0 {
		t.Errorf("Lookup(unknown) = %v, %v; want empty", rs, err)
	}
}

// TestConcurrentWriters checks that two Logs over one storage (two server
// replicas) interleave appends without losing or overwriting entries.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := NewMemStorage()
	a, b := New(s), New(s)
	done := make(chan error, 2)
	for _, l := range []*Log{a, b} {
		go func() {
			for i := 0; i < 50; i++ {
				if _, err := l.Append(ctx, testEvent(i), testEvent(i+1)); err != nil && !errors.Is(err, ErrConflict) {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	size, _ := s.Size(ctx)
	data, err := s.ReadEntries(ctx, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*Log{a, b} {
		root, err := l.RootHash(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(root, mth(data)) {
			t.Fatalf("root after concurrent appends does not match the entries")
		}
	}
}
