package store

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/cairn-badges/cairn"
)

// Changes made by other processes
//
// The public pages keep what they read of an award (its head, its page)
// in memory. A change made through this DB shows at once: the DB drops
// what it cached and marks the award changed when the change commits. A
// change made by another process on the same database (a replica, `cairn`
// run beside the server, an operator's UPDATE) is learnt from the table
// award_changes, which a trigger fills on every change to an award's row
// and PutRenderedPages on every page it stores (migration 0023). Watch
// reads the rows added since its last look every watchEvery, drops the
// heads they name and remembers when it saw each award change.
//
// AwardUnchangedSince(id, t) then answers, without a query, whether the
// award may have changed since t: no, when the watch covered the time
// since t without a gap, its last look began less than headTTL ago, and it
// saw no change to that award since t. So a page read from memory on that
// answer is at most headTTL behind another process's change, as a cached
// head always was, and a first view of a page rendered ahead needs no
// query at all. Without a running watch (or when its looks fail) it
// answers "may have changed", and the callers read as they did before.

// Watch's rhythm.
const (
	// watchEvery is how often Watch looks for new changes: well under
	// headTTL, so that a look or two may be late without the answers
	// turning to "cannot tell".
	watchEvery = 250 * time.Millisecond
	// watchBatch is how many change rows one query reads at most.
	watchBatch = 10000
	// watchForget is how long the watch remembers that an award changed;
	// for an older time it answers "cannot tell" (the caller reads the
	// award again, and so learns a newer time).
	watchForget = 10 * time.Minute
	// changesKept is how long rows stay in award_changes; a process whose
	// looks failed for longer than half of it starts its watch again. The
	// page worker stores a few hundred pages a second at most, a row each:
	// two minutes of them is a few megabytes.
	changesKept = 2 * time.Minute
	// prunePeriod is how often Watch removes older rows (each time a few
	// thousand at most, in one short write).
	prunePeriod = 10 * time.Second
)

// changeWatch is what Watch learnt: see above.
type changeWatch struct {
	mu     sync.RWMutex
	from   time.Time            // covered without a gap since (zero: not watching)
	looked time.Time            // when the last completed look began
	awards map[string]time.Time // award ID → when its last change was seen here
	pages  map[string]time.Time // award ID → when a page another process stored was seen
	seq    int64                // SQLite: the last row read
	snap   string               // PostgreSQL: the last look's snapshot (pg_snapshot)
}

// unchangedSince reports whether the watch covers [t, now-headTTL] and
// saw no change of id (a page stored elsewhere, if pages) at or after t.
func (c *changeWatch) unchangedSince(pages bool, id string, t time.Time) bool {
	now := time.Now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.from.IsZero() || t.Before(c.from) || now.Sub(c.looked) >= headTTL {
		return false
	}
	m := c.awards
	if pages {
		m = c.pages
	}
	at, ok := m[id]
	return !ok || at.Before(t)
}

// mark records that the award changed, now: called after the change
// committed (and after its cached head was dropped).
func (c *changeWatch) mark(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.awards != nil {
		c.awards[id] = time.Now()
	}
}

// AwardUnchangedSince reports whether the award with this ID surely has
// not changed (its row: state, content) since t, as far as this DB has
// watched (see Watch): false when it may have, or when the DB cannot tell.
// A change made through this DB counts from its commit; one made by
// another process counts within headTTL of its commit.
func (db *DB) AwardUnchangedSince(id string, t time.Time) bool {
	return db.watch.unchangedSince(false, id, t)
}

// PageUnchangedSince reports whether surely no other process stored a
// page of the award since t (see Watch); false when one may have.
func (db *DB) PageUnchangedSince(id string, t time.Time) bool {
	return db.watch.unchangedSince(true, id, t)
}

var _ cairn.ChangeWatch = (*DB)(nil)

// markChanged records, after its commit, a change to the award made
// through this DB: its cached head goes, and the watch counts the change
// from now.
func (db *DB) markChanged(id string) {
	db.heads.drop(id)
	db.watch.mark(id)
}

// Watch follows the changes other processes make to awards and their
// pages, until ctx ends (see above), logging the first failure of a
// series to log. The server runs one per DB.
func (db *DB) Watch(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	defer func() {
		db.watch.mu.Lock()
		db.watch.from = time.Time{}
		db.watch.mu.Unlock()
	}()
	failing := false
	var pruned time.Time
	for {
		err := db.look(ctx)
		if err != nil && !failing && ctx.Err() == nil {
			log.Warn("watching award changes", "err", err)
		}
		failing = err != nil
		if time.Since(pruned) >= prunePeriod {
			pruned = time.Now()
			if err := db.pruneChanges(ctx); err != nil && ctx.Err() == nil {
				log.Warn("removing old award changes", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// look reads the changes added since the last look and applies them.
func (db *DB) look(ctx context.Context) error {
	start := time.Now()
	c := &db.watch
	c.mu.RLock()
	restart := c.from.IsZero() || start.Sub(c.looked) > changesKept/2
	seq, snap := c.seq, c.snap
	c.mu.RUnlock()
	if restart {
		// From now on: what changed before is read from the database by
		// whoever asks (AwardUnchangedSince says "cannot tell").
		var err error
		if db.dialect == postgresDialect {
			err = db.read().row(ctx, "SELECT pg_current_snapshot()::text").Scan(&snap)
		} else {
			err = db.read().row(ctx, "SELECT COALESCE(MAX(seq), 0) FROM award_changes").Scan(&seq)
		}
		if err != nil {
			return mapErr(err)
		}
		// Covered from after the read: a change committed before it is
		// seen by whoever reads the award after.
		from := time.Now()
		c.mu.Lock()
		c.from, c.looked, c.seq, c.snap = from, start, seq, snap
		c.awards, c.pages = make(map[string]time.Time), make(map[string]time.Time)
		c.mu.Unlock()
		return nil
	}
	var awards, pages []string
	for {
		var rows []changeRow
		var err error
		if db.dialect == postgresDialect {
			rows, snap, err = db.changesPG(ctx, snap)
		} else {
			rows, err = db.changesSQLite(ctx, seq)
		}
		if err != nil {
			return err
		}
		for _, r := range rows {
			seq = max(seq, r.seq)
			if r.kind == "page" {
				pages = append(pages, r.awardID)
			} else {
				awards = append(awards, r.awardID)
			}
		}
		// PostgreSQL reads them all at once (they are one snapshot's);
		// SQLite pages through them.
		if db.dialect == postgresDialect || len(rows) < watchBatch {
			break
		}
	}
	for _, id := range awards {
		db.heads.drop(id)
	}
	seen := time.Now() // after the drops: a head read from now on is newer than the changes
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range awards {
		c.awards[id] = seen
	}
	for _, id := range pages {
		c.pages[id] = seen
	}
	c.looked, c.seq, c.snap = start, seq, snap
	return nil
}

type changeRow struct {
	seq     int64
	awardID string
	kind    string
}

// changesSQLite reads the rows after seq. SQLite has one writer at a time:
// rows commit in the order of their seq.
func (db *DB) changesSQLite(ctx context.Context, seq int64) ([]changeRow, error) {
	rows, err := db.read().query(ctx, "SELECT seq, award_id, kind FROM award_changes WHERE seq > ? AND origin <> ? ORDER BY seq LIMIT ?",
		seq, db.origin, watchBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []changeRow
	for rows.Next() {
		var r changeRow
		if err := rows.Scan(&r.seq, &r.awardID, &r.kind); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// changesPG reads the rows that the last look's snapshot did not see
// (their transaction had not committed then) and this one's does, and
// returns this look's snapshot. Each row is read once, whatever order the
// transactions commit in.
func (db *DB) changesPG(ctx context.Context, snap string) ([]changeRow, string, error) {
	rows, err := db.read().query(ctx, `SELECT s.snap::text, c.seq, c.award_id, c.kind
		FROM (SELECT pg_current_snapshot() AS snap) s
		LEFT JOIN award_changes c ON c.xid >= pg_snapshot_xmin(?::pg_snapshot)
			AND NOT pg_visible_in_snapshot(c.xid, ?::pg_snapshot) AND c.origin <> ?`, snap, snap, db.origin)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []changeRow
	next := snap
	for rows.Next() {
		var seq *int64
		var id, kind *string
		if err := rows.Scan(&next, &seq, &id, &kind); err != nil {
			return nil, "", mapErr(err)
		}
		if seq != nil && id != nil && kind != nil {
			out = append(out, changeRow{seq: *seq, awardID: *id, kind: *kind})
		}
	}
	return out, next, mapErr(rows.Err())
}

// pruneChanges forgets the changes seen more than watchForget ago (and
// so what the watch covered before), and removes the rows older than
// changesKept.
func (db *DB) pruneChanges(ctx context.Context) error {
	c := &db.watch
	c.mu.Lock()
	if forget := time.Now().Add(-watchForget); !c.from.IsZero() && c.from.Before(forget) {
		for _, m := range []map[string]time.Time{c.awards, c.pages} {
			for id, at := range m {
				if at.Before(forget) {
					delete(m, id)
				}
			}
		}
		c.from = forget
	}
	c.mu.Unlock()
	// By the database's clock, which wrote changed_at.
	secs := strconv.Itoa(int(changesKept / time.Second))
	del := "DELETE FROM award_changes WHERE changed_at < strftime('%Y-%m-%dT%H:%M:%f000Z', 'now', '-" + secs + " seconds')"
	if db.dialect == postgresDialect {
		del = "DELETE FROM award_changes WHERE changed_at < now() - interval '" + secs + " seconds'"
	}
	_, err := db.w.ExecContext(ctx, del)
	return mapErr(err)
}

// recordPages adds a 'page' row for each stored page, in the storing
// transaction, so that other processes pick the pages up.
func (db *DB) recordPages(ctx context.Context, x q, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		args = append(args, id, db.origin)
	}
	_, err := x.exec(ctx, insertRows("INSERT INTO award_changes (award_id, kind, origin) VALUES ", "(?, 'page', ?)", len(ids)), args...)
	return err
}

// insertRows is the statement head followed by n rows of the tuple, for
// an INSERT of several rows in one statement.
func insertRows(head, tuple string, n int) string {
	var b strings.Builder
	b.Grow(len(head) + n*(len(tuple)+2))
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// newOrigin names a DB in the rows it adds to award_changes.
func newOrigin() string { return uuid.NewString() }
