// Package store keeps Cairn's data in SQL: one implementation of the
// cairn.Store interfaces over database/sql, with two dialects.
//
//   - SQLite (modernc.org/sqlite, pure Go), the default: one file in the data
//     folder, WAL journal, foreign keys on, synchronous=NORMAL, a busy
//     timeout. Writes go through a pool of one connection whose transactions
//     begin IMMEDIATE, so writers queue instead of failing with SQLITE_BUSY
//     (other processes on the same file wait up to the busy timeout); reads
//     use a separate pool of read-only connections and run beside the writer.
//   - PostgreSQL (pgx through database/sql), for several replicas. Rows that
//     are read and then changed are locked (SELECT … FOR UPDATE); status-list
//     indexes are made unique by a constraint, so two processes never hand
//     out the same index.
//
// Queries are written once with ? placeholders, rewritten to $n for
// PostgreSQL. The schema comes from embedded migrations (migrations/DIALECT/
// NNNN_name.sql), applied in order by Migrate in one transaction and recorded
// in schema_migrations; a released migration is never edited, only followed
// by a new one. Every public method that writes runs in one transaction;
// reads that need one statement run without.
//
// Timestamps are stored in UTC with microsecond precision (TEXT in a fixed,
// sortable layout on SQLite; timestamptz on PostgreSQL); values passed in
// are truncated to that precision. Constraint violations come back as
// cairn.Conflict, a busy or unreachable database as cairn.Unavailable.
package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
)

// DB is a Cairn database. It implements cairn.Store and is safe for
// concurrent use; several DBs (in one process or several) may share one
// database.
type DB struct {
	dialect dialect
	w       *sql.DB // writes (and, on PostgreSQL, reads)
	r       *sql.DB // reads
	v       *sql.DB // public views' reads (views); r when there is no pool of its own
	ws, rs  *stmtCache
	vs      *stmtCache

	awards awardState // status-entry holds, current lists, group commit (issue.go)
	// jobWritesPrepared: jobWrites are prepared on the write pool (jobs.go).
	jobWritesPrepared atomic.Bool
	stopCheckpointer  func()
	keys              keyCache    // API keys by prefix (accounts.go)
	heads             headCache   // award heads by ID (heads.go)
	watch             changeWatch // changes other processes made (watch.go)
	origin            string      // this DB's name in award_changes (watch.go)

	listSize int    // entries in new status lists; 0 means cairn.StatusListSize (tests make it small)
	path     string // the SQLite file

	// Now returns the current time; tests may replace it before use. The
	// store truncates it to microseconds in UTC.
	Now func() time.Time

	// AwardEvent, if set before use, gives the transparency log event of
	// each award change: CreateAward, SetAwardState and UpdateAward write
	// the event it returns to the log outbox in their own transaction, so
	// no award change commits without its event (see [LogStorage.Outbox]).
	AwardEvent AwardEventFunc
	// EndorsementEvent, if set before use, gives the transparency log
	// event of an endorsement issued here (CreateEndorsement) or revoked
	// (RevokeEndorsement), written to the log outbox in that transaction.
	EndorsementEvent EndorsementEventFunc

	// AwardMessages, if set before use, gives the messages (package
	// outbox) of each award change's other effects: mail, webhooks … They
	// are written in the change's transaction, like AwardEvent's event,
	// and OutboxWake, if set, is called after the commit.
	AwardMessages outbox.AwardMessagesFunc
	// AwardBatchMessages, if set before use, gives the messages of the
	// new awards that one InsertAwards transaction stores, in place of
	// AwardMessages' for each of them (so that an effect may write one
	// message per batch); it is written in that transaction.
	AwardBatchMessages outbox.AwardBatchMessagesFunc
	OutboxWake         func()
	// JobEnded, if set before use, gives the messages of an award job that
	// ends (done, failed or cancelled), written in the transaction that
	// ends it.
	JobEnded func(ctx context.Context, j *cairn.AwardJob) ([]outbox.Message, error)
}

var _ cairn.Store = (*DB)(nil)

type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

func (d dialect) String() string {
	if d == postgresDialect {
		return "postgres"
	}
	return "sqlite"
}

// forUpdate is the suffix that locks selected rows until the transaction
// ends. SQLite has none and needs none: its write transactions are exclusive.
func (d dialect) forUpdate() string {
	if d == postgresDialect {
		return " FOR UPDATE"
	}
	return ""
}

// busyTimeout is how long an SQLite connection waits for another
// connection's (or process's) write lock.
const busyTimeout = 10 * time.Second

// Open opens the database that rawURL names and checks that it answers. It
// does not change the schema: call Migrate.
//
//   - "postgres://…" or "postgresql://…": PostgreSQL (a pgx connection string;
//     e.g. ?sslmode=disable&search_path=cairn).
//   - "sqlite:PATH", "file:PATH" or a plain PATH: the SQLite file at PATH,
//     created if missing.
//   - "": the SQLite file cairn.db in the current directory.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	case rawURL == "":
		return openSQLite(ctx, "cairn.db")
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//"))
	case strings.HasPrefix(rawURL, "file:"):
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "file:"))
	case strings.Contains(rawURL, "://"):
		return nil, cairn.Invalidf("database", "unsupported database URL scheme in %q (want postgres:// or sqlite:)", redact(rawURL))
	}
	return openSQLite(ctx, rawURL)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Invalid, err, "bad PostgreSQL URL %s", redact(dsn))
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, cairn.Wrapf(cairn.Unavailable, err, "cannot reach PostgreSQL at %s", redact(dsn))
	}
	return newDB(postgresDialect, db, db), nil
}

// writerCacheKiB is the page cache of SQLite's one write connection (its
// default is 2 MiB). At the end of every transaction SQLite scans the
// whole page cache's hash table (pcache1TruncateUnsafe), which with
// 64 MiB took 7 % of the server's CPU under single awards (one commit per
// few awards), and 3 % with 16 MiB. Bulk jobs' batches update rows and
// indexes spread over tens of megabytes and once gained from a larger
// cache; since the status entries come from memory (taken.go) a
// 200,000-row job ran as fast with 4 MiB (docs/PERFORMANCE.md).
const writerCacheKiB = 4 << 10

// walAutocheckpointPages is when the writer itself copies the WAL back
// into the database file (SQLite's default is 1,000 pages). That copy and
// its fsync run on the one write connection, under the write lock: at
// the default, a bulk job's writer spent a quarter of its time in them
// while every other write waited. The checkpointer (checkpointEvery) does
// that work from a connection of its own, so this is a cap (about 160 MiB
// of WAL) that the writer reaches only when the checkpointer cannot keep
// up or readers hold old snapshots; reaching it also lets the WAL restart
// from its beginning. journalSizeLimit truncates the file after that.
const (
	walAutocheckpointPages = 40000
	journalSizeLimit       = 64 << 20
	checkpointEvery        = 200 * time.Millisecond
)

// readerCacheKiB is the page cache of each read connection: a first view
// of a credential page reads the award's row and its stored page.
const readerCacheKiB = 16 << 10

// viewsMmapBytes is how much of the file the public views' connections
// map (SQLite's mmap_size). A first view of a credential page reads an
// award's row and its stored page, about nine pages of the file that no
// connection's cache holds: mapped, they are read in place, without a
// read system call and a cache page each (a first view took 79 µs of CPU
// instead of 114, docs/PERFORMANCE.md). The other readers do not map the
// file: SQLite drops a connection's map whenever the database changed, and
// remapping the growing file on each of the outbox's reads under issuing
// cost 3 % of the CPU.
const viewsMmapBytes = 1 << 30

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, cairn.Invalidf("database", "SQLite needs a file path without options, not %q", path)
	}
	params := url.Values{}
	params.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Set("_txlock", "immediate")
	wparams := maps.Clone(params)
	wparams.Add("_pragma", "cache_size(-"+strconv.Itoa(writerCacheKiB)+")")
	wparams.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walAutocheckpointPages)+")")
	wparams.Add("_pragma", "journal_size_limit("+strconv.Itoa(journalSizeLimit)+")")
	w, err := sql.Open("sqlite", "file:"+path+"?"+wparams.Encode())
	if err != nil {
		return nil, cairn.Wrapf(cairn.Invalid, err, "cannot open SQLite database %s", path)
	}
	// One writer: transactions queue in database/sql instead of contending
	// for SQLite's lock.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, cairn.Wrapf(cairn.Unavailable, err, "cannot open SQLite database %s", path)
	}

	params.Set("_txlock", "deferred")
	params.Add("_pragma", "query_only(1)")
	params.Add("_pragma", "cache_size(-"+strconv.Itoa(readerCacheKiB)+")")
	r, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		w.Close()
		return nil, cairn.Wrapf(cairn.Invalid, err, "cannot open SQLite database %s", path)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	keepConns(r, n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, cairn.Wrapf(cairn.Unavailable, err, "cannot open SQLite database %s", path)
	}
	params.Add("_pragma", "mmap_size("+strconv.Itoa(viewsMmapBytes)+")")
	v, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		w.Close()
		r.Close()
		return nil, cairn.Wrapf(cairn.Invalid, err, "cannot open SQLite database %s", path)
	}
	keepConns(v, n)
	db := newDB(sqliteDialect, w, r)
	db.v, db.vs = v, newStmtCache(v, sqliteDialect)
	db.path = path
	// The checkpointer's connection: not query_only, as a checkpoint
	// writes the database file (but takes no write lock).
	cparams := url.Values{}
	cparams.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	cparams.Add("_pragma", "synchronous(NORMAL)")
	ck, err := sql.Open("sqlite", "file:"+path+"?"+cparams.Encode())
	if err != nil {
		db.Close()
		return nil, cairn.Wrapf(cairn.Invalid, err, "cannot open SQLite database %s", path)
	}
	ck.SetMaxOpenConns(1)
	db.startCheckpointer(ck, checkpointEvery)
	return db, nil
}

// keepConns has pool open up to n connections and keep them open: each
// holds its own page cache (and, for the views, its map of the file).
func keepConns(pool *sql.DB, n int) {
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(0)
	pool.SetConnMaxLifetime(0)
}

// startCheckpointer copies the WAL into the database file from ck, a
// connection of its own, every interval (a PASSIVE checkpoint: it waits
// for no one and copies what no reader still needs), so that the
// writer's commits rarely have to (walAutocheckpointPages). Close stops it.
func (db *DB) startCheckpointer(ck *sql.DB, every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	db.stopCheckpointer = func() {
		cancel()
		<-done
		ck.Close()
	}
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// An error (SQLITE_BUSY while another checkpoint runs) is
			// tried again at the next tick; the writer's cap stays.
			var busy, frames, copied int
			_ = ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		}
	}()
}

func newDB(d dialect, w, r *sql.DB) *DB {
	db := &DB{dialect: d, w: w, r: r, v: r, Now: time.Now, ws: newStmtCache(w, d), rs: newStmtCache(r, d), origin: newOrigin()}
	if r == w {
		db.rs = db.ws
	}
	db.vs = db.rs
	db.awards.init(d)
	return db
}

// redact hides the password in a database URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// Close closes the database.
func (db *DB) Close() error {
	if db.stopCheckpointer != nil {
		db.stopCheckpointer()
	}
	db.ws.close()
	db.rs.close()
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.v != db.r {
		db.vs.close()
		err = errors.Join(err, db.v.Close())
	}
	return err
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.String() }

// Ping checks that the database answers (for readiness probes).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return cairn.Wrapf(cairn.Unavailable, err, "database unreachable")
	}
	return nil
}

// now returns the store's current time in storage precision.
func (db *DB) now() time.Time { return norm(db.Now()) }

// norm converts t to the precision and zone the store keeps.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func normp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := norm(*t)
	return &n
}

// sqlNoRows is what QueryRow's Scan returns when no row matched.
var sqlNoRows = sql.ErrNoRows

func newID() string { return uuid.NewString() }

// querier is what both a transaction and a pool can do, for the read helpers.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q runs queries against a transaction or a pool in one dialect. Its
// p… methods (stmt.go) run them as prepared statements from ps; tx is set
// in a transaction.
type q struct {
	c  querier
	d  dialect
	tx *sql.Tx
	ps *stmtCache
}

func (x q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := x.c.ExecContext(ctx, x.d.rebind(query), x.d.args(args)...)
	return res, mapErr(err)
}

// execN runs a statement and returns how many rows it changed.
func (x q) execN(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := x.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

func (x q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := x.c.QueryContext(ctx, x.d.rebind(query), x.d.args(args)...)
	return rows, mapErr(err)
}

func (x q) row(ctx context.Context, query string, args ...any) *sql.Row {
	return x.c.QueryRowContext(ctx, x.d.rebind(query), x.d.args(args)...)
}

// read returns a query runner on the read pool.
func (db *DB) read() q { return q{c: db.r, d: db.dialect, ps: db.rs} }

// views is read for the public views' reads of award heads and stored
// pages: on SQLite, connections of their own that map the file
// (viewsMmapBytes).
func (db *DB) views() q { return q{c: db.v, d: db.dialect, ps: db.vs} }

// write runs fn in a write transaction and commits if fn returns nil. On
// PostgreSQL a serialization failure or deadlock reruns fn (up to three
// times), so fn must not have effects outside the transaction that a rerun
// would repeat harmfully.
func (db *DB) write(ctx context.Context, fn func(q) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = db.writeOnce(ctx, fn)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

func (db *DB) writeOnce(ctx context.Context, fn func(q) error) error {
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer t.Rollback()
	if err := fn(q{c: t, d: db.dialect, tx: t, ps: db.ws}); err != nil {
		return err
	}
	return mapErr(t.Commit())
}

// readTx runs fn in a read-only snapshot, for reads of several statements.
func (db *DB) readTx(ctx context.Context, fn func(q) error) error {
	t, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.dialect == postgresDialect})
	if err != nil {
		return mapErr(err)
	}
	defer t.Rollback()
	if err := fn(q{c: t, d: db.dialect}); err != nil {
		return err
	}
	return mapErr(t.Commit())
}

// rebind rewrites ? placeholders to $1, $2 … for PostgreSQL. Queries in this
// package never hold a ? inside a literal.
func (d dialect) rebind(query string) string {
	if d != postgresDialect || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// sqliteTime is how SQLite columns hold timestamps: fixed width, so that
// text order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// args converts time arguments to the dialect's storage form.
func (d dialect) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = d.timeArg(v)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = d.timeArg(*v)
			}
		}
	}
	return args
}

func (d dialect) timeArg(t time.Time) any {
	t = norm(t)
	if d == sqliteDialect {
		return t.Format(sqliteTime)
	}
	return t
}

// retryable reports whether a transaction that failed with err may simply
// be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// SQLite result codes (https://www.sqlite.org/rescode.html).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteConstraint = 19
)

// mapErr turns a driver error into a *cairn.Error of the right kind. The
// driver's text stays in the cause, for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *cairn.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return cairn.Wrapf(cairn.NotFound, err, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return cairn.Wrapf(cairn.Unavailable, err, "database request interrupted")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteConstraint:
			return conflict(err, sqliteConstraintName(se.Error()))
		case sqliteBusy, sqliteLocked:
			return cairn.Wrapf(cairn.Unavailable, err, "database busy")
		}
		return cairn.Wrapf(cairn.Internal, err, "database error")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "23"):
			return conflict(err, pe.ConstraintName)
		case pe.Code == "40001", pe.Code == "40P01", pe.Code == "57014", pe.Code == "57P01",
			strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"):
			return cairn.Wrapf(cairn.Unavailable, err, "database busy or unavailable")
		}
		return cairn.Wrapf(cairn.Internal, err, "database error")
	}
	var ee *pgconn.ConnectError
	if errors.As(err, &ee) || pgconn.Timeout(err) {
		return cairn.Wrapf(cairn.Unavailable, err, "database unavailable")
	}
	return cairn.Wrapf(cairn.Internal, err, "database error")
}

// sqliteConstraintName extracts "table.column[, table.column]" from an
// SQLite constraint message such as
// "constraint failed: UNIQUE constraint failed: organizations.slug (2067)".
func sqliteConstraintName(msg string) string {
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return ""
	}
	s := msg[i+len(marker):]
	if j := strings.Index(s, " ("); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s)
}

type conflictInfo struct{ field, msg string }

// conflicts names the input field and the message for each constraint a
// request can break, under its SQLite name (table.columns) and its
// PostgreSQL name.
var conflicts = map[string]conflictInfo{
	"organizations.slug":                                    {"slug", "an organization with this slug already exists"},
	"organizations_slug_key":                                {"slug", "an organization with this slug already exists"},
	"accounts.email":                                        {"email", "an account with this email already exists"},
	"accounts_email_key":                                    {"email", "an account with this email already exists"},
	"api_keys.prefix":                                       {"prefix", "an API key with this prefix already exists"},
	"api_keys_prefix_key":                                   {"prefix", "an API key with this prefix already exists"},
	"sessions.token_hash":                                   {"", "session token already in use"},
	"sessions_token_hash_key":                               {"", "session token already in use"},
	"issuer_keys.issuer_id, issuer_keys.fragment":           {"fragment", "the issuer already has a key with this fragment"},
	"issuer_keys_issuer_id_fragment_key":                    {"fragment", "the issuer already has a key with this fragment"},
	"awards.org_id, awards.idempotency_key":                 {"idempotency_key", "idempotency key already used"},
	"awards_idempotency":                                    {"idempotency_key", "idempotency key already used"},
	"awards.id":                                             {"id", "an award with this ID already exists"},
	"lti_registrations.issuer, lti_registrations.client_id": {"clientId", "this LMS (issuer and client id) is registered already"},
	"lti_registrations_issuer_client_id_key":                {"clientId", "this LMS (issuer and client id) is registered already"},
	"awards_pkey":                                           {"id", "an award with this ID already exists"},
}

func conflict(err error, constraint string) error {
	if c, ok := conflicts[constraint]; ok {
		return &cairn.Error{Kind: cairn.Conflict, Field: c.field, Message: c.msg, Err: err}
	}
	if strings.HasSuffix(constraint, ".id") || strings.HasSuffix(constraint, "_pkey") {
		return &cairn.Error{Kind: cairn.Conflict, Field: "id", Message: "the ID is already taken", Err: err}
	}
	return cairn.Wrapf(cairn.Conflict, err, "conflicts with existing data")
}

// notFound is the NotFound error for a missing thing, named for the reader.
func notFound(what string) error {
	return cairn.Errorf(cairn.NotFound, "%s not found", what)
}

// orNotFound turns sql.ErrNoRows (mapped or not) into notFound(what).
func orNotFound(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return mapErr(err)
}

// required returns an Invalid error for the first empty field.
func required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			return cairn.Invalidf(fields[i], "is required")
		}
	}
	return nil
}
