package translog

import (
	"context"
	"fmt"
	"sync"
)

// MemStorage is a [Storage] in memory, for tests, examples and short-lived
// tools. Its zero value is an empty log; use it by pointer.
type MemStorage struct {
	mu         sync.RWMutex
	entries    [][]byte
	keys       map[string][]uint64
	tiles      map[TileID][]byte
	checkpoint []byte
	cpSize     uint64

	// dropEntries makes Append keep tiles only: benchmarks build big trees
	// with it without holding every entry in memory.
	dropEntries bool
	size        uint64
}

// NewMemStorage returns an empty MemStorage.
func NewMemStorage() *MemStorage { return new(MemStorage) }

var _ Storage = (*MemStorage)(nil)

// Append implements [Storage.Append].
func (m *MemStorage) Append(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b.Start != m.size {
		return fmt.Errorf("translog: append at %d to a log of size %d: %w", b.Start, m.size, ErrConflict)
	}
	for _, t := range b.Tiles {
		if len(t.Hashes) == 0 || len(t.Hashes)%HashSize != 0 || len(t.Hashes) > TileWidth*HashSize {
			return fmt.Errorf("translog: tile %d/%d has %d bytes: %w", t.Level, t.Index, len(t.Hashes), ErrInvalid)
		}
	}
	if m.tiles == nil {
		m.tiles = make(map[TileID][]byte)
		m.keys = make(map[string][]uint64)
	}
	for _, t := range b.Tiles {
		if old := m.tiles[t.TileID]; len(old) > len(t.Hashes) {
			continue // never shrink a tile
		}
		m.tiles[t.TileID] = append([]byte(nil), t.Hashes...)
	}
	for i, e := range b.Entries {
		if e.Key != "" {
			m.keys[e.Key] = append(m.keys[e.Key], b.Start+uint64(i))
		}
		if !m.dropEntries {
			m.entries = append(m.entries, append([]byte(nil), e.Data...))
		}
	}
	m.size += uint64(len(b.Entries))
	return nil
}

// Size implements [Storage.Size].
func (m *MemStorage) Size(ctx context.Context) (uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.size, ctx.Err()
}

// ReadTiles implements [Storage.ReadTiles].
func (m *MemStorage) ReadTiles(ctx context.Context, ids []TileID) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([][]byte, len(ids))
	for i, id := range ids {
		t, ok := m.tiles[id]
		if !ok {
			return nil, fmt.Errorf("translog: tile %d/%d: %w", id.Level, id.Index, ErrNotFound)
		}
		out[i] = t[:len(t):len(t)]
	}
	return out, nil
}

// ReadEntries implements [Storage.ReadEntries].
func (m *MemStorage) ReadEntries(ctx context.Context, start, end uint64) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if start > end {
		return nil, fmt.Errorf("translog: entries [%d, %d): %w", start, end, ErrInvalid)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if end > uint64(len(m.entries)) {
		return nil, fmt.Errorf("translog: entries [%d, %d) of %d: %w", start, end, len(m.entries), ErrNotFound)
	}
	return append([][]byte(nil), m.entries[start:end]...), nil
}

// Lookup implements [Storage.Lookup].
func (m *MemStorage) Lookup(ctx context.Context, key string) ([]uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]uint64{}, m.keys[key]...), ctx.Err()
}

// WriteCheckpoint implements [Storage.WriteCheckpoint].
func (m *MemStorage) WriteCheckpoint(ctx context.Context, size uint64, note []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.checkpoint != nil && size < m.cpSize {
		return fmt.Errorf("translog: checkpoint of size %d older than stored size %d: %w", size, m.cpSize, ErrConflict)
	}
	m.checkpoint = append([]byte(nil), note...)
	m.cpSize = size
	return nil
}

// ReadCheckpoint implements [Storage.ReadCheckpoint].
func (m *MemStorage) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.checkpoint == nil {
		return nil, fmt.Errorf("translog: checkpoint: %w", ErrNotFound)
	}
	return m.checkpoint, nil
}
