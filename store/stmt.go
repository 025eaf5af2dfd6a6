package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxStmts bounds a statement cache: queries past it run unprepared, so a
// caller that builds many query texts cannot grow the cache without end.
const maxStmts = 128

// stmtCache holds the prepared statements of one pool, by query text (as
// written, with ? placeholders). database/sql prepares a statement on each
// connection the first time it runs there and keeps it, and a transaction
// reuses its connection's (Tx.StmtContext), so a hot query is parsed once
// per connection instead of once per call: modernc's SQLite keeps the
// compiled statement with the prepared handle, and pgx prepares it on the
// server. Only single-statement queries belong here (never migrations).
type stmtCache struct {
	db *sql.DB
	d  dialect

	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB, d dialect) *stmtCache {
	return &stmtCache{db: db, d: d, m: map[string]*sql.Stmt{}}
}

// cached returns the prepared statement of query, or nil if it was not
// prepared yet.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// get returns the prepared statement of query, preparing it if needed, or
// nil when the cache is full (the caller then runs the query unprepared).
// Preparing takes a connection of the pool: never call get while holding
// one in a transaction (SQLite's write pool has only that one).
//
// The lock is not held while preparing: preparing waits for a connection,
// and a transaction holding SQLite's one write connection may be looking
// up its statements (cached) meanwhile, which would then wait for the
// lock: a deadlock until the context ends.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, full := c.m[query], len(c.m) >= maxStmts
	c.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	if full {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, c.d.rebind(query))
	if err != nil {
		return nil, mapErr(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.m[query]; prev != nil {
		st.Close() // another caller prepared it meanwhile
		return prev, nil
	}
	if len(c.m) >= maxStmts {
		st.Close()
		return nil, nil
	}
	c.m[query] = st
	return st, nil
}

// close closes every statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.m {
		st.Close()
		delete(c.m, k)
	}
}

// prepare prepares queries in c, outside any transaction, so that
// transactions find them (a transaction only uses statements prepared
// before it, see q.stmt). It reports whether all were prepared; before
// Migrate they cannot be.
func (c *stmtCache) prepare(ctx context.Context, queries []string) bool {
	for _, query := range queries {
		if st, err := c.get(ctx, query); err != nil || st == nil {
			return false
		}
	}
	return true
}

// prepareWrites prepares queries on the write pool, outside any
// transaction, until it has once succeeded (done records it): a
// transaction that runs them through pexec then finds them prepared.
func (db *DB) prepareWrites(ctx context.Context, done *atomic.Bool, queries []string) {
	if !done.Load() && db.ws.prepare(ctx, queries) {
		done.Store(true)
	}
}

// stmt returns query prepared for x (bound to x's transaction, if any), or
// nil when x has no cache, the cache is full, or x is a transaction and
// the query was not prepared before it.
func (x q) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if x.ps == nil {
		return nil, nil
	}
	if x.tx != nil {
		st := x.ps.cached(query)
		if st == nil {
			return nil, nil
		}
		return x.tx.StmtContext(ctx, st), nil
	}
	return x.ps.get(ctx, query)
}

// pexec is exec through a prepared statement.
func (x q) pexec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := x.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return x.exec(ctx, query, args...)
	}
	res, err := st.ExecContext(ctx, x.d.args(args)...)
	return res, mapErr(err)
}

// pexecN is execN through a prepared statement.
func (x q) pexecN(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := x.pexec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

// pquery is query through a prepared statement.
func (x q) pquery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := x.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return x.query(ctx, query, args...)
	}
	rows, err := st.QueryContext(ctx, x.d.args(args)...)
	return rows, mapErr(err)
}

// prow is row through a prepared statement. A failure to prepare shows as
// the row's error.
func (x q) prow(ctx context.Context, query string, args ...any) scanner {
	st, err := x.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if st == nil {
		return x.row(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, x.d.args(args)...)
}

// errRow is a row that fails to scan with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
