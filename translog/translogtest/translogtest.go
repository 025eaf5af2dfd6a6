// Package translogtest is the conformance suite for implementations of
// [translog.Storage]. Every backend runs it from its own tests:
//
//	func TestStorage(t *testing.T) {
//		translogtest.Run(t, func() translog.Storage { return openEmptyStore(t) })
//	}
package translogtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/translog"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Run runs the conformance tests. open must return a new, empty storage
// each time it is called.
func Run(t *testing.T, open func() translog.Storage) {
	tests := []struct {
		name string
		f    func(*testing.T, translog.Storage)
	}{
		{"Empty", testEmpty},
		{"AppendRead", testAppendRead},
		{"Conflict", testConflict},
		{"TileGrowth", testTileGrowth},
		{"NoAliasing", testNoAliasing},
		{"Checkpoint", testCheckpoint},
		{"ConcurrentAppend", testConcurrentAppend},
		{"Log", testLog},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, open()) })
	}
}

func hashes(n int, seed byte) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		h := sha256.Sum256([]byte{seed, byte(i), byte(i >> 8)})
		b = append(b, h[:]...)
	}
	return b
}

func entries(start, n int, key func(int) string) []translog.Entry {
	out := make([]translog.Entry, n)
	for i := range out {
		out[i] = translog.Entry{Key: key(start + i), Data: fmt.Appendf(nil, "entry %d", start+i)}
	}
	return out
}

func keyByThree(i int) string { return fmt.Sprintf("cred-%d", i/3) }

func testEmpty(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	if n, err := s.Size(ctx); n != 0 || err != nil {
		t.Errorf("Size = %d, %v; want 0, nil", n, err)
	}
	if _, err := s.ReadCheckpoint(ctx); !errors.Is(err, translog.ErrNotFound) {
		t.Errorf("ReadCheckpoint error = %v, want ErrNotFound", err)
	}
	if _, err := s.ReadTiles(ctx, []translog.TileID{{Level: 0, Index: 0}}); !errors.Is(err, translog.ErrNotFound) {
		t.Errorf("ReadTiles(0/0) error = %v, want ErrNotFound", err)
	}
	if es, err := s.ReadEntries(ctx, 0, 0); err != nil || len(es) != 0 {
		t.Errorf("ReadEntries(0, 0) = %q, %v; want nothing, nil", es, err)
	}
	if _, err := s.ReadEntries(ctx, 0, 1); !errors.Is(err, translog.ErrNotFound) {
		t.Errorf("ReadEntries(0, 1) error = %v, want ErrNotFound", err)
	}
	if idx, err := s.Lookup(ctx, "cred-0"); err != nil || len(idx) != 0 {
		t.Errorf("Lookup = %v, %v; want empty, nil", idx, err)
	}
}

func testAppendRead(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	b1 := &translog.Batch{Start: 0, Entries: entries(0, 5, keyByThree), Tiles: []translog.Tile{{Hashes: hashes(5, 0)}}}
	if err := s.Append(ctx, b1); err != nil {
		t.Fatal(err)
	}
	b2 := &translog.Batch{Start: 5, Entries: entries(5, 3, keyByThree), Tiles: []translog.Tile{
		{Hashes: hashes(8, 0)},
		{TileID: translog.TileID{Level: 1, Index: 7}, Hashes: hashes(1, 1)},
	}}
	b2.Entries[1].Key = "" // not indexed
	if err := s.Append(ctx, b2); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Size(ctx); n != 8 || err != nil {
		t.Fatalf("Size = %d, %v; want 8, nil", n, err)
	}
	es, err := s.ReadEntries(ctx, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 6 {
		t.Fatalf("ReadEntries(2, 8) returned %d entries", len(es))
	}
	for i, e := range es {
		if want := fmt.Sprintf("entry %d", 2+i); string(e) != want {
			t.Errorf("entry %d = %q, want %q", 2+i, e, want)
		}
	}
	if _, err := s.ReadEntries(ctx, 3, 9); !errors.Is(err, translog.ErrNotFound) {
		t.Errorf("ReadEntries(3, 9) error = %v, want ErrNotFound", err)
	}
	if _, err := s.ReadEntries(ctx, 4, 3); !errors.Is(err, translog.ErrInvalid) {
		t.Errorf("ReadEntries(4, 3) error = %v, want ErrInvalid", err)
	}
	ts, err := s.ReadTiles(ctx, []translog.TileID{{Level: 1, Index: 7}, {Level: 0, Index: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ts[0], hashes(1, 1)) || !bytes.Equal(ts[1], hashes(8, 0)) {
		t.Errorf("ReadTiles returned the wrong tiles or order")
	}
	if _, err := s.ReadTiles(ctx, []translog.TileID{{Level: 0, Index: 0}, {Level: 0, Index: 1}}); !errors.Is(err, translog.ErrNotFound) {
		t.Errorf("ReadTiles with a missing tile: error = %v, want ErrNotFound", err)
	}
	for key, want := range map[string][]uint64{"cred-0": {0, 1, 2}, "cred-1": {3, 4, 5}, "cred-2": {7}, "cred-9": {}} {
		got, err := s.Lookup(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Lookup(%s) = %v, want %v", key, got, want)
		}
	}
}

func testConflict(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	if err := s.Append(ctx, &translog.Batch{Start: 0, Entries: entries(0, 2, keyByThree), Tiles: []translog.Tile{{Hashes: hashes(2, 0)}}}); err != nil {
		t.Fatal(err)
	}
	for _, start := range []uint64{0, 1, 3} {
		b := &translog.Batch{Start: start, Entries: entries(int(start), 1, keyByThree), Tiles: []translog.Tile{{Hashes: hashes(9, 9)}}}
		if err := s.Append(ctx, b); !errors.Is(err, translog.ErrConflict) {
			t.Errorf("Append at %d to size 2: error = %v, want ErrConflict", start, err)
		}
	}
	if n, _ := s.Size(ctx); n != 2 {
		t.Errorf("Size after conflicts = %d, want 2", n)
	}
	ts, err := s.ReadTiles(ctx, []translog.TileID{{}})
	if err != nil || !bytes.Equal(ts[0], hashes(2, 0)) {
		t.Errorf("a conflicting Append changed a tile")
	}
	if idx, _ := s.Lookup(ctx, "cred-1"); len(idx) != 0 {
		t.Errorf("a conflicting Append indexed entries: %v", idx)
	}
}

func testTileGrowth(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	full := hashes(translog.TileWidth, 3)
	for i, w := range []int{1, 2, 100, translog.TileWidth} {
		b := &translog.Batch{Start: uint64(i), Entries: entries(i, 1, keyByThree), Tiles: []translog.Tile{{TileID: translog.TileID{Level: 2, Index: 1 << 40}, Hashes: full[:w*translog.HashSize]}}}
		if err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
		ts, err := s.ReadTiles(ctx, []translog.TileID{{Level: 2, Index: 1 << 40}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ts[0], full[:w*translog.HashSize]) {
			t.Fatalf("tile after widening to %d has %d bytes, or wrong ones", w, len(ts[0]))
		}
	}
}

func testNoAliasing(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	b := &translog.Batch{Start: 0, Entries: entries(0, 1, keyByThree), Tiles: []translog.Tile{{Hashes: hashes(1, 0)}}}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	b.Entries[0].Data[0] ^= 0xff
	b.Tiles[0].Hashes[0] ^= 0xff
	es, _ := s.ReadEntries(ctx, 0, 1)
	ts, _ := s.ReadTiles(ctx, []translog.TileID{{}})
	if string(es[0]) != "entry 0" || !bytes.Equal(ts[0], hashes(1, 0)) {
		t.Errorf("the storage kept the caller's slices instead of copying them")
	}
	cp := []byte("note\n")
	if err := s.WriteCheckpoint(ctx, 1, cp); err != nil {
		t.Fatal(err)
	}
	cp[0] = 'X'
	if got, _ := s.ReadCheckpoint(ctx); string(got) != "note\n" {
		t.Errorf("the storage kept the caller's checkpoint slice")
	}
}

func testCheckpoint(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	for _, c := range []struct {
		size uint64
		note string
		err  error
	}{
		{5, "five\n", nil},
		{5, "five, cosigned\n", nil},
		{3, "three\n", translog.ErrConflict},
		{9, "nine\n", nil},
		{8, "eight\n", translog.ErrConflict},
	} {
		err := s.WriteCheckpoint(ctx, c.size, []byte(c.note))
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("WriteCheckpoint(%d) error = %v, want %v", c.size, err, c.err)
		}
	}
	got, err := s.ReadCheckpoint(ctx)
	if err != nil || string(got) != "nine\n" {
		t.Errorf("ReadCheckpoint = %q, %v; want nine", got, err)
	}
}

func testConcurrentAppend(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = s.Append(ctx, &translog.Batch{Start: 0, Entries: entries(w, 1, keyByThree), Tiles: []translog.Tile{{Hashes: hashes(1, byte(w))}}})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, translog.ErrConflict):
			t.Errorf("concurrent Append error = %v, want nil or ErrConflict", err)
		}
	}
	if n, _ := s.Size(ctx); ok != 1 || n != 1 {
		t.Errorf("%d of %d concurrent appends at 0 succeeded, size %d; want exactly 1", ok, writers, n)
	}
}

// testLog runs a translog.Log over the storage and checks the tree it
// builds against the entries it stored.
func testLog(t *testing.T, s translog.Storage) {
	ctx := context.Background()
	l := translog.New(s)
	const n = 700
	var leaves [][]byte
	for i := 0; i < n; i += 100 {
		var evs []translog.Event
		for j := i; j < i+100; j++ {
			evs = append(evs, translog.Event{
				CredentialID:     fmt.Sprintf("urn:uuid:%08d", j/2),
				Issuer:           "did:web:issuer.example",
				CredentialDigest: sha256.Sum256([]byte{byte(j)}),
				Type:             translog.Issued,
				Time:             time.Unix(1700000000+int64(j), 0),
			})
		}
		if _, err := l.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.ReadEntries(ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		leaves = append(leaves, rfc6962.DefaultHasher.HashLeaf(e))
	}
	root, err := l.RootHash(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []uint64{0, 255, 256, 511, 699} {
		p, err := l.InclusionProof(ctx, idx, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, idx, n, leaves[idx], p, root); err != nil {
			t.Errorf("inclusion proof for %d: %v", idx, err)
		}
	}
	old, err := l.RootHash(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.ConsistencyProof(ctx, 300, n)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, 300, n, p, old, root); err != nil {
		t.Errorf("consistency proof 300 → %d: %v", n, err)
	}
	rs, err := l.Lookup(ctx, "urn:uuid:00000123")
	if err != nil || len(rs) != 2 || rs[0].Index != 246 || rs[1].Index != 247 {
		t.Errorf("Lookup = %+v, %v; want indexes 246, 247", rs, err)
	}
}
