package translog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// hasher is the RFC 6962 tree hasher (RFC 6962 §2.1, RFC 9162 §2.1.1):
// leaves are SHA-256(0x00 || entry), interior nodes SHA-256(0x01 || l || r).
var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hashChildren}

// hashChildren is hasher.HashChildren, SHA-256(0x01 || l || r), without
// the hash.Hash allocations: proofs compute hundreds of these.
func hashChildren(l, r []byte) []byte {
	var in [1 + 2*HashSize]byte
	in[0] = rfc6962.RFC6962NodeHashPrefix
	copy(in[1:], l)
	copy(in[1+HashSize:], r)
	h := sha256.Sum256(in[:])
	return h[:]
}

// LeafHash returns the RFC 6962 leaf hash of an encoded entry: the hash
// stored in level 0 tiles and proven by inclusion proofs.
func LeafHash(entry []byte) []byte { return hasher.HashLeaf(entry) }

// EmptyRoot is the root hash of the empty tree, SHA-256 of nothing.
func EmptyRoot() []byte { return hasher.EmptyRoot() }

// Log is an append-only Merkle tree log of [Event] records over a
// [Storage]. It is safe for concurrent use; appends through one Log are
// serialized, and appends through several Logs over one Storage are kept
// apart by the storage's compare-and-set (see [Storage.Append]).
type Log struct {
	storage Storage

	mu   sync.Mutex // serializes appends; guards edge
	edge *edge      // the right edge of the tree, nil until loaded
}

// edge is what appending needs from the tree: the compact range [0, size)
// and the rightmost (partial) tile of each level.
type edge struct {
	size  uint64
	rng   *compact.Range
	tiles []Tile // tiles[l] is the rightmost tile of level l; its Hashes may be empty
}

// New returns a Log over s.
func New(s Storage) *Log { return &Log{storage: s} }

// Storage returns the storage the log was created with.
func (l *Log) Storage() Storage { return l.storage }

// Size returns the number of entries in the log.
func (l *Log) Size(ctx context.Context) (uint64, error) { return l.storage.Size(ctx) }

// MaxBatch is the largest number of events one Append call takes.
const MaxBatch = 1 << 16

// Append adds events to the log as one batch, all or nothing, and returns
// the index of the first one (the others follow in order). An event that
// cannot be encoded makes Append return an error wrapping ErrInvalid, and
// nothing is appended. If another writer appended first, Append reloads the
// tree and tries again a few times before returning an error wrapping
// ErrConflict.
func (l *Log) Append(ctx context.Context, events ...Event) (uint64, error) {
	if len(events) == 0 || len(events) > MaxBatch {
		return 0, fmt.Errorf("translog: append of %d events, want 1 to %d: %w", len(events), MaxBatch, ErrInvalid)
	}
	entries := make([]Entry, len(events))
	hashes := make([][]byte, len(events))
	for i, e := range events {
		b, err := e.Marshal()
		if err != nil {
			return 0, fmt.Errorf("%w (event %d of the batch): %w", err, i, ErrInvalid)
		}
		entries[i] = Entry{Key: e.CredentialID, Data: b}
		hashes[i] = hasher.HashLeaf(b)
	}
	return l.appendHashed(ctx, entries, hashes)
}

// appendHashed appends entries whose leaf hashes are hashes.
func (l *Log) appendHashed(ctx context.Context, entries []Entry, hashes [][]byte) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	for try := 0; try < 4; try++ {
		if l.edge == nil {
			if l.edge, err = l.loadEdge(ctx); err != nil {
				return 0, err
			}
		}
		var next *edge
		var b *Batch
		next, b, err = l.edge.extend(entries, hashes)
		if err != nil {
			return 0, err
		}
		err = l.storage.Append(ctx, b)
		if err == nil {
			l.edge = next
			return b.Start, nil
		}
		l.edge = nil // reload: another writer, or a failed transaction
		if !errors.Is(err, ErrConflict) {
			return 0, err
		}
	}
	return 0, err
}

// loadEdge reads the right edge of the tree from storage.
func (l *Log) loadEdge(ctx context.Context) (*edge, error) {
	size, err := l.storage.Size(ctx)
	if err != nil {
		return nil, err
	}
	e := &edge{size: size}
	var ids []TileID
	for lv := uint8(0); ; lv++ {
		n := size >> (TileHeight * uint(lv)) // hashes at this tile level
		id := TileID{Level: lv, Index: n / TileWidth}
		e.tiles = append(e.tiles, Tile{TileID: id})
		if n%TileWidth != 0 {
			ids = append(ids, id)
		}
		if n < TileWidth {
			break
		}
	}
	tiles, err := l.storage.ReadTiles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("translog: reading the right edge of a tree of size %d: %w", size, err)
	}
	for i, id := range ids {
		w := int(size>>(TileHeight*uint(id.Level))) % TileWidth
		if len(tiles[i]) < w*HashSize {
			return nil, fmt.Errorf("translog: tile %d/%d has %d hashes, want %d: %w", id.Level, id.Index, len(tiles[i])/HashSize, w, ErrCorrupt)
		}
		h := make([]byte, w*HashSize, TileWidth*HashSize)
		copy(h, tiles[i])
		e.tiles[id.Level].Hashes = h
	}
	ns := compact.RangeNodes(0, size, nil)
	hs, err := nodeHashesFromTiles(ns, func(id TileID) []byte { return e.tiles[id.Level].Hashes })
	if err != nil {
		return nil, err
	}
	e.rng, err = rangeFactory.NewRange(0, size, hs)
	if err != nil {
		return nil, fmt.Errorf("translog: %v: %w", err, ErrCorrupt)
	}
	return e, nil
}

// extend computes the tree after appending hashes, and the batch that
// stores it. It leaves e unchanged.
func (e *edge) extend(entries []Entry, hashes [][]byte) (*edge, *Batch, error) {
	rng, err := rangeFactory.NewRange(0, e.size, append([][]byte(nil), e.rng.Hashes()...))
	if err != nil {
		return nil, nil, err
	}
	next := &edge{size: e.size, rng: rng}
	next.tiles = make([]Tile, len(e.tiles))
	for i, t := range e.tiles {
		next.tiles[i] = Tile{TileID: t.TileID, Hashes: append(make([]byte, 0, TileWidth*HashSize), t.Hashes...)}
	}
	b := &Batch{Start: e.size, Entries: entries}
	touched := make([]bool, len(next.tiles))
	visit := func(id compact.NodeID, h []byte) {
		if id.Level%TileHeight != 0 {
			return
		}
		lv := uint8(id.Level / TileHeight)
		for int(lv) >= len(next.tiles) {
			next.tiles = append(next.tiles, Tile{TileID: TileID{Level: uint8(len(next.tiles))}, Hashes: make([]byte, 0, TileWidth*HashSize)})
			touched = append(touched, false)
		}
		t := &next.tiles[lv]
		t.Hashes = append(t.Hashes, h...)
		touched[lv] = true
		if len(t.Hashes) == TileWidth*HashSize {
			b.Tiles = append(b.Tiles, *t)
			*t = Tile{TileID: TileID{Level: lv, Index: t.Index + 1}, Hashes: make([]byte, 0, TileWidth*HashSize)}
			touched[lv] = false
		}
	}
	for _, h := range hashes {
		if err := next.rng.Append(h, visit); err != nil {
			return nil, nil, err
		}
	}
	next.size += uint64(len(hashes))
	for lv, t := range next.tiles {
		if touched[lv] {
			b.Tiles = append(b.Tiles, Tile{TileID: t.TileID, Hashes: t.Hashes[:len(t.Hashes):len(t.Hashes)]})
		}
	}
	return next, b, nil
}

// ErrCorrupt is wrapped by errors for stored data that contradicts itself:
// a tile narrower than the tree size says it must be.
var ErrCorrupt = errors.New("translog: storage is corrupt")

// nodeHashesFromTiles returns the hashes of the complete tree nodes ids,
// using tile(id) for the stored hashes of a tile.
func nodeHashesFromTiles(ids []compact.NodeID, tile func(TileID) []byte) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		lv := id.Level / TileHeight
		r := id.Level % TileHeight // height of the node above its tile level
		first := id.Index << r     // index of its first hash at tile level lv
		tid := TileID{Level: uint8(lv), Index: first / TileWidth}
		off := int(first % TileWidth)
		n := 1 << r
		t := tile(tid)
		if len(t) < (off+n)*HashSize {
			return nil, fmt.Errorf("translog: tile %d/%d has %d hashes, need %d: %w", tid.Level, tid.Index, len(t)/HashSize, off+n, ErrCorrupt)
		}
		out[i] = subtreeRoot(t[off*HashSize : (off+n)*HashSize])
	}
	return out, nil
}

// subtreeRoot returns the root of the perfect tree whose leaves (at some
// level) are the concatenated hashes hs; len(hs)/HashSize is a power of 2.
func subtreeRoot(hs []byte) []byte {
	if len(hs) == HashSize {
		return hs[:HashSize:HashSize]
	}
	// Hash pairs of hs into buf, then pairs of buf into its own first half,
	// until one hash is left.
	buf := make([]byte, len(hs)/2)
	var in [1 + 2*HashSize]byte
	in[0] = rfc6962.RFC6962NodeHashPrefix
	src := hs
	for n := len(hs) / HashSize / 2; n >= 1; n /= 2 {
		for i := 0; i < n; i++ {
			copy(in[1:], src[2*i*HashSize:(2*i+2)*HashSize])
			h := sha256.Sum256(in[:])
			copy(buf[i*HashSize:], h[:])
		}
		src = buf
	}
	return buf[:HashSize:HashSize]
}

// nodeHashes reads the hashes of the complete nodes ids from storage.
func (l *Log) nodeHashes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	var tids []TileID
	seen := make(map[TileID]int)
	for _, id := range ids {
		tid := TileID{Level: uint8(id.Level / TileHeight), Index: (id.Index << (id.Level % TileHeight)) / TileWidth}
		if _, ok := seen[tid]; !ok {
			seen[tid] = len(tids)
			tids = append(tids, tid)
		}
	}
	tiles, err := l.storage.ReadTiles(ctx, tids)
	if err != nil {
		return nil, err
	}
	return nodeHashesFromTiles(ids, func(id TileID) []byte { return tiles[seen[id]] })
}

// checkSize returns an error wrapping ErrInvalid if size is beyond the log.
func (l *Log) checkSize(ctx context.Context, size uint64) error {
	n, err := l.storage.Size(ctx)
	if err != nil {
		return err
	}
	if size > n {
		return fmt.Errorf("translog: tree size %d is beyond the log's size %d: %w", size, n, ErrInvalid)
	}
	return nil
}

// RootHash returns the RFC 6962 Merkle tree hash of the first size entries
// (RFC 9162 §2.1.1). It returns an error wrapping ErrInvalid if size is
// beyond the log's size.
func (l *Log) RootHash(ctx context.Context, size uint64) ([]byte, error) {
	if err := l.checkSize(ctx, size); err != nil {
		return nil, err
	}
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	hs, err := l.nodeHashes(ctx, compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	root := hs[len(hs)-1]
	for i := len(hs) - 2; i >= 0; i-- {
		root = hashChildren(hs[i], root)
	}
	return root, nil
}

// InclusionProof returns the proof that the entry at index is in the tree
// of size size (RFC 9162 §2.1.3), which
// [github.com/transparency-dev/merkle/proof.VerifyInclusion] checks. It
// returns an error wrapping ErrInvalid unless index < size <= the log's size.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, fmt.Errorf("translog: inclusion of index %d in a tree of size %d: %w", index, size, ErrInvalid)
	}
	if err := l.checkSize(ctx, size); err != nil {
		return nil, err
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("translog: %v: %w", err, ErrInvalid)
	}
	return l.rehash(ctx, nodes)
}

// ConsistencyProof returns the proof that the tree of size size1 is a
// prefix of the tree of size size2 (RFC 9162 §2.1.4), which
// [github.com/transparency-dev/merkle/proof.VerifyConsistency] checks. It
// returns an error wrapping ErrInvalid unless size1 <= size2 <= the log's
// size.
func (l *Log) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if size1 > size2 {
		return nil, fmt.Errorf("translog: consistency from size %d to size %d: %w", size1, size2, ErrInvalid)
	}
	if err := l.checkSize(ctx, size2); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("translog: %v: %w", err, ErrInvalid)
	}
	return l.rehash(ctx, nodes)
}

func (l *Log) rehash(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hs, err := l.nodeHashes(ctx, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hs, hashChildren)
}

// Record is an entry of the log with its position.
type Record struct {
	Index uint64
	Event Event
	// LeafHash is the entry's RFC 6962 leaf hash, what inclusion proofs
	// prove.
	LeafHash []byte
}

// Records returns the entries with indexes in [start, end). It returns an
// error wrapping ErrNotFound if end is beyond the log's size, and one
// wrapping ErrCorrupt if a stored entry does not parse.
func (l *Log) Records(ctx context.Context, start, end uint64) ([]Record, error) {
	data, err := l.storage.ReadEntries(ctx, start, end)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(data))
	for i, d := range data {
		e, err := ParseEvent(d)
		if err != nil {
			return nil, fmt.Errorf("translog: entry %d: %v: %w", start+uint64(i), err, ErrCorrupt)
		}
		out[i] = Record{Index: start + uint64(i), Event: e, LeafHash: hasher.HashLeaf(d)}
	}
	return out, nil
}

// Lookup returns the log's records about the credential credentialID,
// oldest first, and an empty list if there are none.
func (l *Log) Lookup(ctx context.Context, credentialID string) ([]Record, error) {
	idx, err := l.storage.Lookup(ctx, credentialID)
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(idx))
	for _, i := range idx {
		rs, err := l.Records(ctx, i, i+1)
		if err != nil {
			return nil, err
		}
		if rs[0].Event.CredentialID != credentialID {
			return nil, fmt.Errorf("translog: entry %d is indexed under credential %q but is about %q: %w", i, credentialID, rs[0].Event.CredentialID, ErrCorrupt)
		}
		out = append(out, rs[0])
	}
	return out, nil
}
