package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/translog"
)

// LogStorage is the instance's transparency log in the database: a
// [translog.Storage] over the translog_* tables, plus the outbox of events
// waiting for the log and the log's sealed signing key. Get it with
// [DB.LogStorage].
//
// Errors wrap the translog errors (translog.ErrConflict, ErrNotFound,
// ErrInvalid) where [translog.Storage] asks for them, and are *cairn.Error
// values (Unavailable, Internal) for a database that fails.
type LogStorage struct {
	db *DB
	// drain lists outbox rows that Append deletes in its transaction.
	drain []int64
}

var _ translog.Storage = (*LogStorage)(nil)

// LogStorage returns the transparency log kept in db.
func (db *DB) LogStorage() *LogStorage { return &LogStorage{db: db} }

// rowsPerInsert bounds the rows of one multi-row INSERT (3 parameters
// each), well under SQLite's and PostgreSQL's parameter limits.
const rowsPerInsert = 500

// Append implements [translog.Storage.Append]: one transaction that
// compare-and-sets the size, inserts the entries and widens the tiles. A
// LogStorage from [LogStorage.Draining] also deletes its outbox rows.
func (s *LogStorage) Append(ctx context.Context, b *translog.Batch) error {
	for _, t := range b.Tiles {
		if len(t.Hashes) == 0 || len(t.Hashes)%translog.HashSize != 0 || len(t.Hashes) > translog.TileWidth*translog.HashSize {
			return fmt.Errorf("store: tile %d/%d has %d bytes: %w", t.Level, t.Index, len(t.Hashes), translog.ErrInvalid)
		}
		if t.Index > 1<<62 {
			return fmt.Errorf("store: tile index %d out of range: %w", t.Index, translog.ErrInvalid)
		}
	}
	if b.Start > 1<<62 {
		return fmt.Errorf("store: append at %d: %w", b.Start, translog.ErrInvalid)
	}
	return s.db.write(ctx, func(x q) error {
		// Compare-and-set first: on PostgreSQL the row lock it takes
		// serializes appenders, and a loser re-reads the new size and
		// changes nothing.
		n, err := x.execN(ctx, "UPDATE translog_state SET size = size + ? WHERE id = 1 AND size = ?",
			int64(len(b.Entries)), int64(b.Start))
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("store: log append at %d: the log has another size: %w", b.Start, translog.ErrConflict)
		}
		for i := 0; i < len(b.Entries); i += rowsPerInsert {
			chunk := b.Entries[i:min(i+rowsPerInsert, len(b.Entries))]
			args := make([]any, 0, 3*len(chunk))
			for j, e := range chunk {
				args = append(args, int64(b.Start)+int64(i+j), e.Key, bytesArg(e.Data))
			}
			if _, err := x.exec(ctx, insertRows("INSERT INTO translog_entries (idx, credential_id, data) VALUES ", "(?, ?, ?)", len(chunk)), args...); err != nil {
				if cairn.KindOf(err) == cairn.Conflict {
					return fmt.Errorf("store: log entries at %d exist: %w", b.Start, translog.ErrConflict)
				}
				return err
			}
		}
		for _, t := range b.Tiles {
			// A tile is replaced only by a wider one: never shrink it.
			if _, err := x.exec(ctx, `INSERT INTO translog_tiles (level, idx, hashes) VALUES (?, ?, ?)
				ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes
				WHERE length(excluded.hashes) > length(translog_tiles.hashes)`,
				int(t.Level), int64(t.Index), t.Hashes); err != nil {
				return err
			}
		}
		if len(s.drain) > 0 {
			if err := deleteOutbox(ctx, x, s.drain); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteOutbox deletes outbox rows seqs, failing with translog.ErrConflict
// unless every one of them is still there.
func deleteOutbox(ctx context.Context, x q, seqs []int64) error {
	for i := 0; i < len(seqs); i += rowsPerInsert {
		chunk := seqs[i:min(i+rowsPerInsert, len(seqs))]
		args := make([]any, len(chunk))
		for j, s := range chunk {
			args[j] = s
		}
		n, err := x.execN(ctx, "DELETE FROM translog_outbox WHERE seq IN (?"+strings.Repeat(", ?", len(chunk)-1)+")", args...)
		if err != nil {
			return err
		}
		if n != int64(len(chunk)) {
			return fmt.Errorf("store: %d of %d outbox events were already drained by another worker: %w",
				int64(len(chunk))-n, len(chunk), translog.ErrConflict)
		}
	}
	return nil
}

// Size implements [translog.Storage.Size].
func (s *LogStorage) Size(ctx context.Context) (uint64, error) {
	var n int64
	if err := s.db.read().row(ctx, "SELECT size FROM translog_state WHERE id = 1").Scan(&n); err != nil {
		return 0, mapErr(err)
	}
	return uint64(n), nil
}

// ReadTiles implements [translog.Storage.ReadTiles].
func (s *LogStorage) ReadTiles(ctx context.Context, ids []translog.TileID) ([][]byte, error) {
	if len(ids) == 0 {
		return [][]byte{}, nil
	}
	pos := make(map[translog.TileID][]int, len(ids))
	var sb strings.Builder
	args := make([]any, 0, 2*len(ids))
	sb.WriteString("SELECT level, idx, hashes FROM translog_tiles WHERE ")
	for i, id := range ids {
		if id.Index > 1<<62 {
			return nil, fmt.Errorf("store: tile %d/%d: %w", id.Level, id.Index, translog.ErrNotFound)
		}
		if _, ok := pos[id]; !ok {
			if len(pos) > 0 {
				sb.WriteString(" OR ")
			}
			sb.WriteString("(level = ? AND idx = ?)")
			args = append(args, int(id.Level), int64(id.Index))
		}
		pos[id] = append(pos[id], i)
	}
	rows, err := s.db.read().query(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([][]byte, len(ids))
	for rows.Next() {
		var level int
		var idx int64
		var h []byte
		if err := rows.Scan(&level, &idx, bytesCol{&h}); err != nil {
			return nil, mapErr(err)
		}
		for _, i := range pos[translog.TileID{Level: uint8(level), Index: uint64(idx)}] {
			out[i] = h[:len(h):len(h)]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	for i, t := range out {
		if t == nil {
			return nil, fmt.Errorf("store: tile %d/%d: %w", ids[i].Level, ids[i].Index, translog.ErrNotFound)
		}
	}
	return out, nil
}

// ErrMissingEntry is wrapped (with translog.ErrCorrupt) by ReadEntries when
// the log's size says an entry exists and its row does not: someone deleted
// it from the database.
var ErrMissingEntry = errors.New("store: a log entry is missing from the database")

// ReadEntries implements [translog.Storage.ReadEntries]. A row missing
// below the log's size (a deleted entry) is an error wrapping
// translog.ErrCorrupt and ErrMissingEntry.
func (s *LogStorage) ReadEntries(ctx context.Context, start, end uint64) ([][]byte, error) {
	if start > end {
		return nil, fmt.Errorf("store: log entries [%d, %d): %w", start, end, translog.ErrInvalid)
	}
	var out [][]byte
	err := s.db.readTx(ctx, func(x q) error {
		var size int64
		if err := x.row(ctx, "SELECT size FROM translog_state WHERE id = 1").Scan(&size); err != nil {
			return mapErr(err)
		}
		if end > uint64(size) {
			return fmt.Errorf("store: log entries [%d, %d) of %d: %w", start, end, size, translog.ErrNotFound)
		}
		out = make([][]byte, 0, end-start)
		if start == end {
			return nil
		}
		rows, err := x.query(ctx, "SELECT idx, data FROM translog_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
			int64(start), int64(end))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var idx int64
			var d []byte
			if err := rows.Scan(&idx, bytesCol{&d}); err != nil {
				return mapErr(err)
			}
			if want := start + uint64(len(out)); uint64(idx) != want {
				return fmt.Errorf("store: log entry %d: %w: %w", want, ErrMissingEntry, translog.ErrCorrupt)
			}
			out = append(out, d)
		}
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		if n := start + uint64(len(out)); n != end {
			return fmt.Errorf("store: log entry %d: %w: %w", n, ErrMissingEntry, translog.ErrCorrupt)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Lookup implements [translog.Storage.Lookup].
func (s *LogStorage) Lookup(ctx context.Context, key string) ([]uint64, error) {
	out := []uint64{}
	if key == "" {
		return out, nil
	}
	// "credential_id <> ''" repeats the partial index's condition: without
	// it SQLite cannot use the index and scans the whole log.
	rows, err := s.db.read().pquery(ctx, "SELECT idx FROM translog_entries WHERE credential_id = ? AND credential_id <> '' ORDER BY idx", key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		if err := rows.Scan(&idx); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, uint64(idx))
	}
	return out, mapErr(rows.Err())
}

// WriteCheckpoint implements [translog.Storage.WriteCheckpoint].
func (s *LogStorage) WriteCheckpoint(ctx context.Context, size uint64, note []byte) error {
	if size > 1<<62 {
		return fmt.Errorf("store: checkpoint size %d: %w", size, translog.ErrInvalid)
	}
	return s.db.write(ctx, func(x q) error {
		n, err := x.execN(ctx, `UPDATE translog_state SET checkpoint = ?, checkpoint_size = ?
			WHERE id = 1 AND (checkpoint_size IS NULL OR checkpoint_size <= ?)`, bytesArg(note), int64(size), int64(size))
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("store: checkpoint of size %d is older than the stored one: %w", size, translog.ErrConflict)
		}
		return nil
	})
}

// ReadCheckpoint implements [translog.Storage.ReadCheckpoint].
func (s *LogStorage) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	if err := s.db.read().row(ctx, "SELECT checkpoint FROM translog_state WHERE id = 1").Scan(bytesCol{&note}); err != nil {
		return nil, mapErr(err)
	}
	if note == nil {
		return nil, fmt.Errorf("store: no checkpoint signed yet: %w", translog.ErrNotFound)
	}
	return note, nil
}
