package translog

import (
	"context"
	"fmt"
)

// ReadTile returns the content of a C2SP tlog-tiles hash tile
// (https://c2sp.org/tlog-tiles#merkle-tree): t.Width concatenated hashes.
// It returns an error wrapping ErrNotFound if the tree is not yet wide
// enough for it, and one wrapping ErrInvalid for an entry bundle ref.
func (l *Log) ReadTile(ctx context.Context, t TileRef) ([]byte, error) {
	if t.Entries || t.Width < 1 || t.Width > TileWidth || t.Level > 63 {
		return nil, fmt.Errorf("translog: %s is not a hash tile: %w", t.Path(), ErrInvalid)
	}
	tiles, err := l.storage.ReadTiles(ctx, []TileID{{Level: t.Level, Index: t.Index}})
	if err != nil {
		return nil, err
	}
	if len(tiles[0]) < t.Width*HashSize {
		return nil, fmt.Errorf("translog: %s: the tile has %d hashes: %w", t.Path(), len(tiles[0])/HashSize, ErrNotFound)
	}
	return tiles[0][:t.Width*HashSize], nil
}

// ReadEntryBundle returns the content of a C2SP tlog-tiles entry bundle
// (https://c2sp.org/tlog-tiles#log-entries): the encoded events of
// entries t.Index*256 to t.Index*256+t.Width-1, each prefixed by its
// length. It returns an error wrapping ErrNotFound if the log does not yet
// have those entries, and one wrapping ErrInvalid for a hash tile ref.
func (l *Log) ReadEntryBundle(ctx context.Context, t TileRef) ([]byte, error) {
	if !t.Entries || t.Width < 1 || t.Width > TileWidth {
		return nil, fmt.Errorf("translog: %s is not an entry bundle: %w", t.Path(), ErrInvalid)
	}
	start := t.Index * TileWidth
	if start/TileWidth != t.Index || start+uint64(t.Width) < start {
		return nil, fmt.Errorf("translog: %s: %w", t.Path(), ErrNotFound)
	}
	entries, err := l.storage.ReadEntries(ctx, start, start+uint64(t.Width))
	if err != nil {
		return nil, err
	}
	return MarshalEntryBundle(entries)
}

// ReadPath returns the resource at path under the log's prefix, as the
// C2SP tlog-tiles HTTP API serves it: "checkpoint", "tile/<L>/<N>[.p/<W>]"
// or "tile/entries/<N>[.p/<W>]". An HTTP handler serves its result (with
// the content types and caching the spec asks for) and maps ErrNotFound
// and ErrInvalid to 404. A Log's ReadPath is also a [Fetcher] for an
// in-process [Auditor].
func (l *Log) ReadPath(ctx context.Context, path string) ([]byte, error) {
	if path == "checkpoint" {
		return l.Checkpoint(ctx)
	}
	t, err := ParseTilePath(path)
	if err != nil {
		return nil, err
	}
	if t.Entries {
		return l.ReadEntryBundle(ctx, t)
	}
	return l.ReadTile(ctx, t)
}
