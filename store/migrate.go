package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/cairn-badges/cairn"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one schema change: migrations/DIALECT/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations of a dialect ("sqlite" or
// "postgres"), in order.
func Migrations(dialect string) ([]Migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: no migrations for dialect %q", dialect)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s: name must be NNNN_name.sql", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration versions must be 1, 2, 3 … without gaps; found %d at position %d", m.Version, i+1)
		}
	}
	return ms, nil
}

// migrationLock is the PostgreSQL advisory lock key that keeps two processes
// from migrating at once ("cairn" in ASCII).
const migrationLock = 0x636169726e

// Migrate brings the schema up to date: it applies, in order and in one
// transaction, every embedded migration not yet recorded in
// schema_migrations. It is safe to run from several processes at once. It
// returns the versions it applied. A database whose schema is newer than
// this program is an error (Unavailable): run the newer program.
func (db *DB) Migrate(ctx context.Context) (applied []int, err error) {
	ms, err := Migrations(db.dialect.String())
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "bad embedded migrations")
	}
	err = db.write(ctx, func(x q) error {
		applied = nil
		if db.dialect == postgresDialect {
			if _, err := x.exec(ctx, "SELECT pg_advisory_xact_lock(?)", int64(migrationLock)); err != nil {
				return err
			}
		}
		if _, err := x.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return err
		}
		var current int
		if err := x.row(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return mapErr(err)
		}
		if current > len(ms) {
			return cairn.Errorf(cairn.Unavailable, "database schema version %d is newer than this program's %d", current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := x.exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := x.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, db.now().Format(sqliteTime)); err != nil {
				return err
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	return applied, err
}

// SchemaVersion returns the newest migration applied, 0 for an empty
// database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.read().row(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, mapErr(err)
	}
	return v, nil
}
