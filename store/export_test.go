package store

import (
	"context"
	"time"

	"github.com/cairn-badges/cairn"
)

// SetStatusListSize makes db create status lists of n entries (a multiple of
// 8), so tests can fill lists.
func SetStatusListSize(db *DB, n int) { db.listSize = n }

// QueryPlan returns SQLite's EXPLAIN QUERY PLAN of query, one line per step.
func QueryPlan(db *DB, query string, args ...any) ([]string, error) {
	rows, err := db.r.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}

// PrepareDuringWrite prepares query on the write pool (as the first group
// commit prepares its statements) while a write transaction holds the
// pool's connection and then looks up one of its statements, and returns
// the transaction's error: a deadlock shows as the context's end.
func PrepareDuringWrite(ctx context.Context, db *DB, query string) error {
	inTx, prepared := make(chan struct{}), make(chan error, 1)
	go func() {
		<-inTx
		_, err := db.ws.get(ctx, query)
		prepared <- err
	}()
	err := db.write(ctx, func(x q) error {
		close(inTx)
		time.Sleep(50 * time.Millisecond) // let the prepare wait for the connection
		_, err := x.pexec(ctx, "SELECT 1")
		return err
	})
	if perr := <-prepared; err == nil {
		err = perr
	}
	return err
}

// PublicAwardHeadUncached is PublicAwardHead past its cache: the query a
// first view of a credential makes.
func (db *DB) PublicAwardHeadUncached(ctx context.Context, id string) (*cairn.Award, error) {
	a, _, err := db.publicAwardHead(ctx, id)
	return a, err
}

// KnownTaken reports whether db's process knows idx of list to be taken
// (taken.go).
func KnownTaken(db *DB, list string, idx int) bool {
	s := &db.awards
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.taken[list]
	return t != nil && t.has(idx)
}

// PruneChanges runs the watch's pruning of old award changes now.
func PruneChanges(ctx context.Context, db *DB) error { return db.pruneChanges(ctx) }
