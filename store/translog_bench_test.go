package store_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/translog"
)

// Benchmarks of the transparency log on the SQL storage, on SQLite (a
// file in a temporary folder, the store's default settings). Run them
// with
//
//	go test ./store -run '^$' -bench 'Log' -benchtime 3s
//
// BenchmarkLogInclusionProof builds a tree of CAIRN_BENCH_LOG_SIZE leaves
// (default 10,000,000) once per process; BenchmarkLogAudit a log of
// CAIRN_BENCH_AUDIT_SIZE real events (default 1,000,000).

func benchEvent(i int) translog.Event {
	return translog.Event{
		CredentialID:     "https://badges.example.edu/credentials/" + strconv.Itoa(i),
		Issuer:           "did:web:badges.example.edu:issuers:1",
		CredentialDigest: sha256.Sum256(strconv.AppendInt(nil, int64(i), 10)),
		Type:             translog.Issued,
		Time:             time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
	}
}

func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkLogAppend appends batches of events to a log on SQLite, each
// batch one transaction (entries, credential index, tiles, size), as the
// log worker does when draining the outbox.
func BenchmarkLogAppend(b *testing.B) {
	for _, batch := range []int{256, 1024, 4096} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			ctx := context.Background()
			l := translog.New(openSQLite(b).LogStorage())
			evs := make([]translog.Event, batch)
			next := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := range evs {
					evs[j] = benchEvent(next)
					next++
				}
				b.StartTimer()
				if _, err := l.Append(ctx, evs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}

// tileSink is a translog.Storage that writes the full tiles of a growing
// tree straight into a SQLite database and drops the entries: how the
// inclusion proof benchmark builds a tree of ten million leaves in
// seconds rather than appending ten million events.
type tileSink struct {
	tx      *sql.Tx
	stmt    *sql.Stmt
	size    uint64
	partial map[translog.TileID][]byte
}

func (s *tileSink) Append(ctx context.Context, b *translog.Batch) error {
	if b.Start != s.size {
		return translog.ErrConflict
	}
	for _, t := range b.Tiles {
		if len(t.Hashes) == translog.TileWidth*translog.HashSize {
			delete(s.partial, t.TileID)
			if _, err := s.stmt.ExecContext(ctx, int(t.Level), int64(t.Index), t.Hashes); err != nil {
				return err
			}
			continue
		}
		s.partial[t.TileID] = append([]byte(nil), t.Hashes...)
	}
	s.size += uint64(len(b.Entries))
	return nil
}

func (s *tileSink) Size(context.Context) (uint64, error) { return s.size, nil }
func (s *tileSink) ReadTiles(_ context.Context, ids []translog.TileID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = s.partial[id]
	}
	return out, nil
}
func (s *tileSink) ReadEntries(context.Context, uint64, uint64) ([][]byte, error) {
	return nil, translog.ErrNotFound
}
func (s *tileSink) Lookup(context.Context, string) ([]uint64, error)      { return nil, nil }
func (s *tileSink) WriteCheckpoint(context.Context, uint64, []byte) error { return nil }
func (s *tileSink) ReadCheckpoint(context.Context) ([]byte, error)        { return nil, translog.ErrNotFound }

// TestMain removes the big benchmark log, if one was built.
func TestMain(m *testing.M) {
	code := m.Run()
	if bigLogDir != "" {
		os.RemoveAll(bigLogDir)
	}
	os.Exit(code)
}

var (
	bigLogOnce sync.Once
	bigLogDir  string
	bigLogErr  error
)

// bigLogFile returns a migrated SQLite database holding the tiles of a
// tree of n leaves (and no entries), built once per process.
func bigLogFile(b *testing.B, n int) string {
	bigLogOnce.Do(func() {
		bigLogDir, bigLogErr = os.MkdirTemp("", "cairn-bench-log-")
		if bigLogErr != nil {
			return
		}
		path := filepath.Join(bigLogDir, "cairn.db")
		openSQLitePath(b, path).Close()
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
		if err != nil {
			bigLogErr = err
			return
		}
		defer db.Close()
		bigLogErr = func() error {
			ctx := context.Background()
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			stmt, err := tx.PrepareContext(ctx, "INSERT INTO translog_tiles (level, idx, hashes) VALUES (?, ?, ?)")
			if err != nil {
				return err
			}
			sink := &tileSink{tx: tx, stmt: stmt, partial: map[translog.TileID][]byte{}}
			l := translog.New(sink)
			evs := make([]translog.Event, translog.MaxBatch)
			for i := 0; i < n; i += len(evs) {
				k := min(len(evs), n-i)
				for j := 0; j < k; j++ {
					evs[j] = benchEvent(i + j)
				}
				if _, err := l.Append(ctx, evs[:k]...); err != nil {
					return err
				}
			}
			for id, h := range sink.partial {
				if _, err := stmt.ExecContext(ctx, int(id.Level), int64(id.Index), h); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "UPDATE translog_state SET size = ? WHERE id = 1", int64(n)); err != nil {
				return err
			}
			return tx.Commit()
		}()
	})
	if bigLogErr != nil {
		b.Fatal(bigLogErr)
	}
	return filepath.Join(bigLogDir, "cairn.db")
}

// BenchmarkLogInclusionProof proves a random leaf of a big tree (10M
// leaves by default) read from SQLite: the proof's tiles are read in one
// query and hashed.
func BenchmarkLogInclusionProof(b *testing.B) {
	n := benchSize("CAIRN_BENCH_LOG_SIZE", 10_000_000)
	start := time.Now()
	path := bigLogFile(b, n)
	b.Logf("tree of %d leaves on SQLite, built in %v (once per process)", n, time.Since(start).Round(time.Millisecond))
	l := translog.New(openSQLitePath(b, path).LogStorage())
	ctx := context.Background()
	r := mrand.New(mrand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.InclusionProof(ctx, r.Uint64N(uint64(n)), uint64(n)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogAudit audits a log of real events (1M by default) on
// SQLite: every entry bundle and tile read through Log.ReadPath, every
// event parsed and hashed, the tree recomputed and checked against the
// checkpoint and a saved one at half the size. The log is appended in
// batches of 4096 before the timer starts.
func BenchmarkLogAudit(b *testing.B) {
	n := benchSize("CAIRN_BENCH_AUDIT_SIZE", 1_000_000)
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "badges.example.edu/log")
	if err != nil {
		b.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	l := translog.New(openSQLite(b).LogStorage())
	evs := make([]translog.Event, 4096)
	var saved []byte
	start := time.Now()
	for i := 0; i < n; i += len(evs) {
		k := min(len(evs), n-i)
		for j := 0; j < k; j++ {
			evs[j] = benchEvent(i + j)
		}
		if _, err := l.Append(ctx, evs[:k]...); err != nil {
			b.Fatal(err)
		}
		if saved == nil && i+k >= n/2 {
			if saved, err = l.SignCheckpoint(ctx, signer); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := l.SignCheckpoint(ctx, signer); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d events appended on SQLite in %v", n, time.Since(start).Round(time.Millisecond))
	a := &translog.Auditor{Fetch: l.ReadPath, LogKey: verifier}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := a.Audit(ctx, saved)
		if err != nil {
			b.Fatal(err)
		}
		if res.Checkpoint.Size != uint64(n) {
			b.Fatalf("audited %d entries", res.Checkpoint.Size)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "entries/s")
}
