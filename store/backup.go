package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"

	"github.com/cairn-badges/cairn"
)

// BackupSQLite writes a consistent copy of an SQLite database to the new
// file dest, while others keep reading and writing it: VACUUM INTO reads
// one snapshot (one read transaction; in WAL mode writers go on beside it)
// and writes it compacted. Every transaction committed before the call is
// in the copy. dest must not exist. On PostgreSQL it fails with
// cairn.Invalid: back up with pg_dump.
func (db *DB) BackupSQLite(ctx context.Context, dest string) error {
	if db.dialect != sqliteDialect {
		return cairn.Invalidf("database", "a PostgreSQL database is backed up with pg_dump, not by Cairn")
	}
	if _, err := os.Lstat(dest); !errors.Is(err, fs.ErrNotExist) {
		return cairn.Invalidf("out", "%s exists", dest)
	}
	// A connection of its own: the read pool's are query-only, and the
	// write pool's one connection is for writers.
	params := url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	c, err := sql.Open("sqlite", "file:"+db.path+"?"+params.Encode())
	if err != nil {
		return mapErr(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("store: backup to %s: %w", dest, mapErr(err))
	}
	return nil
}

// QuickCheck runs SQLite's quick_check on the database (a restored backup,
// say) and returns an error naming the first problem it finds. On
// PostgreSQL it only pings.
func (db *DB) QuickCheck(ctx context.Context) error {
	if db.dialect != sqliteDialect {
		return db.Ping(ctx)
	}
	var res string
	if err := db.r.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return mapErr(err)
	}
	if res != "ok" {
		return fmt.Errorf("store: the database is damaged: %s", res)
	}
	return nil
}
