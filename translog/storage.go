package translog

import (
	"context"
	"errors"
)

// Errors wrapped by [Storage] implementations and by [Log] methods. Callers
// test for them with errors.Is.
var (
	// ErrNotFound means the entry, tile or checkpoint does not exist (yet).
	ErrNotFound = errors.New("translog: not found")
	// ErrConflict means another writer changed the log first: an append
	// started from a size that is no longer the log's size, or a checkpoint
	// older than the stored one.
	ErrConflict = errors.New("translog: conflict")
	// ErrInvalid means an argument is out of range or malformed: an index
	// beyond the tree size, a bad tile path, an event that cannot be encoded.
	ErrInvalid = errors.New("translog: invalid argument")
)

// HashSize is the size in bytes of every hash in the log (SHA-256).
const HashSize = 32

// TileHeight is the height of a tile: a tile holds up to 2^TileHeight = 256
// consecutive hashes of one tree level. See [TileRef].
const TileHeight = 8

// TileWidth is the number of hashes in a full tile.
const TileWidth = 1 << TileHeight

// TileID identifies a stored hash tile: the Index-th run of [TileWidth]
// hashes at tree level Level*[TileHeight]. Level 0 tiles hold leaf hashes.
type TileID struct {
	Level uint8
	Index uint64
}

// Tile is a stored hash tile: its ID and its hashes, concatenated. A tile
// only ever grows: a stored tile of width w (len(Hashes)/HashSize) is a
// prefix of the same tile at any larger width.
type Tile struct {
	TileID
	Hashes []byte
}

// Entry is one log entry as stored: the encoded event and the key it can be
// looked up by (the credential id).
type Entry struct {
	Key  string
	Data []byte
}

// Batch is what one [Log.Append] writes, all or nothing.
type Batch struct {
	// Start is the index of Entries[0]: the log's size before the batch.
	Start uint64
	// Entries are the new entries, at indexes Start, Start+1, …
	Entries []Entry
	// Tiles are the tiles the batch created or widened, each with all its
	// hashes (old and new). A stored tile is replaced by a wider one.
	Tiles []Tile
}

// Storage keeps a log's entries, hash tiles and latest checkpoint. The [Log]
// computes every hash; the storage only keeps bytes, atomically per call.
//
// A Storage must be safe for concurrent use. It may be shared by several
// Log values (several server replicas over one database): Append's
// compare-and-set on the size keeps them from overwriting each other.
//
// Slices passed to a Storage belong to the caller after the call returns;
// slices returned by a Storage must not be modified by the caller.
//
// Every implementation must pass [github.com/cairn-badges/cairn/translog/translogtest.Run].
type Storage interface {
	// Append stores the batch in one transaction: the entries, their keys,
	// and the tiles. It returns an error wrapping ErrConflict, and stores
	// nothing, if b.Start is not the current size. On any error nothing is
	// stored.
	Append(ctx context.Context, b *Batch) error

	// Size returns the number of entries stored.
	Size(ctx context.Context) (uint64, error)

	// ReadTiles returns the hashes of each tile, in order, at the widest
	// width stored. It returns an error wrapping ErrNotFound if any tile has
	// never been stored.
	ReadTiles(ctx context.Context, ids []TileID) ([][]byte, error)

	// ReadEntries returns the data of the entries with indexes in
	// [start, end). It returns an error wrapping ErrNotFound if end is
	// beyond the size, and one wrapping ErrInvalid if start > end.
	ReadEntries(ctx context.Context, start, end uint64) ([][]byte, error)

	// Lookup returns the indexes of the entries stored with key, in
	// ascending order, and an empty list, not an error, if there are none.
	Lookup(ctx context.Context, key string) ([]uint64, error)

	// WriteCheckpoint stores a signed checkpoint note for tree size size,
	// replacing the stored one. It returns an error wrapping ErrConflict,
	// and stores nothing, if the stored checkpoint has a larger size. (A
	// checkpoint of the same size replaces the stored one: that is how
	// cosignatures are added.)
	WriteCheckpoint(ctx context.Context, size uint64, note []byte) error

	// ReadCheckpoint returns the stored checkpoint note. It returns an error
	// wrapping ErrNotFound if none was ever written.
	ReadCheckpoint(ctx context.Context) ([]byte, error)
}
