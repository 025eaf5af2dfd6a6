package store

import (
	"context"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/outbox"
)

// This file is the store of package outbox: the messages that carry Cairn's
// effects outside the database (mail, webhooks …), in table outbox.

var _ outbox.Store = (*DB)(nil)

const qInsertMessage = `INSERT INTO outbox (kind, org_id, key, payload, state, attempts, next_at, lease_owner, last_error, created_at)
	VALUES (?, ?, ?, ?, 'pending', 0, ?, '', '', ?) ON CONFLICT (kind, key) DO NOTHING`

// writeMessages stores msgs in transaction x, skipping those whose kind and
// key exist already, and reports whether it stored any.
func (db *DB) writeMessages(ctx context.Context, x q, msgs []outbox.Message) (bool, error) {
	now := db.now()
	stored := false
	for i := range msgs {
		m := &msgs[i]
		if err := m.Validate(); err != nil {
			return false, err
		}
		at := now
		if m.NotBefore.After(now) {
			at = norm(m.NotBefore)
		}
		n, err := x.pexecN(ctx, qInsertMessage, m.Kind, m.OrgID, m.Key, bytesArg(m.Payload), at, now)
		if err != nil {
			return false, err
		}
		stored = stored || n > 0
	}
	return stored, nil
}

// writeAwardMessages stores the messages that db.AwardMessages gives for an
// award change, in the change's transaction x. It returns whether it stored
// any, so that the caller wakes the worker after the commit.
func (db *DB) writeAwardMessages(ctx context.Context, x q, prev, cur *cairn.Award) (bool, error) {
	if db.AwardMessages == nil {
		return false, nil
	}
	msgs, err := db.AwardMessages(ctx, prev, cur)
	if err != nil || len(msgs) == 0 {
		return false, err
	}
	return db.writeMessages(ctx, x, msgs)
}

// wakeOutbox tells the outbox worker, after a commit that stored messages,
// that they are due.
func (db *DB) wakeOutbox() {
	if db.OutboxWake != nil {
		db.OutboxWake()
	}
}

// Enqueue implements [outbox.Store.Enqueue].
func (db *DB) Enqueue(ctx context.Context, msgs ...outbox.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	var stored bool
	err := db.write(ctx, func(x q) (err error) {
		stored, err = db.writeMessages(ctx, x, msgs)
		return err
	})
	if err == nil && stored {
		db.wakeOutbox()
	}
	return err
}

// EnqueueTx stores msgs in the transaction of fn's other writes: fn runs in
// a write transaction and the messages commit with it or not at all. It is
// for changes that are not award changes (a job that ends, a reminder that
// is due) but must not lose or double their effects.
func (db *DB) EnqueueTx(ctx context.Context, fn func(ctx context.Context, tx Tx) ([]outbox.Message, error)) error {
	var stored bool
	err := db.write(ctx, func(x q) error {
		msgs, err := fn(ctx, Tx{x})
		if err != nil {
			return err
		}
		stored, err = db.writeMessages(ctx, x, msgs)
		return err
	})
	if err == nil && stored {
		db.wakeOutbox()
	}
	return err
}

// Tx is a write transaction handed to a function of another package
// (EnqueueTx): it runs statements of the store's dialect, written with ?
// placeholders.
type Tx struct{ x q }

// Exec runs a statement in the transaction and returns the rows it changed.
func (t Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return t.x.execN(ctx, query, args...)
}

// QueryRow runs a query of one row in the transaction.
func (t Tx) QueryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	return t.x.row(ctx, query, args...)
}

// Claim implements [outbox.Store.Claim].
func (db *DB) Claim(ctx context.Context, owner string, kinds []string, n int, lease time.Duration) ([]outbox.Message, error) {
	if len(kinds) == 0 || n <= 0 {
		return nil, nil
	}
	if owner == "" {
		return nil, cairn.Invalidf("owner", "is required")
	}
	now := db.now()
	args := []any{owner, now.Add(lease)}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, now, now, n)
	kindIn := "?" + strings.Repeat(", ?", len(kinds)-1)
	skip := ""
	if db.dialect == postgresDialect {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	due := `state = 'pending' AND kind IN (` + kindIn + `) AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?)`
	// Most wakes find nothing due (every committed batch of awards wakes
	// the worker, whose consumers each claim): a prepared read on the read
	// pool says so without taking the write connection from the awards.
	// A message committed after this read wakes the worker again.
	var one int
	switch err := db.read().prow(ctx, "SELECT 1 FROM outbox WHERE "+due+" LIMIT 1", args[2:len(args)-1]...).Scan(&one); {
	case err == sqlNoRows:
		return nil, nil
	case err != nil:
		return nil, mapErr(err)
	}
	query := `UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE ` + due + `
			ORDER BY next_at, id LIMIT ?` + skip + `)
		RETURNING id, kind, org_id, key, payload, attempts, created_at`
	// Prepared before the transaction, which can only use statements
	// prepared outside it (see q.stmt).
	_, _ = db.ws.get(ctx, query)
	var ms []outbox.Message
	err := db.write(ctx, func(x q) error {
		ms = ms[:0]
		rows, err := x.pquery(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m outbox.Message
			if err := rows.Scan(&m.ID, &m.Kind, &m.OrgID, &m.Key, bytesCol{&m.Payload}, &m.Attempts, timeCol{&m.CreatedAt}); err != nil {
				return mapErr(err)
			}
			ms = append(ms, m)
		}
		return mapErr(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order; hand them out oldest first.
	sortMessages(ms)
	return ms, nil
}

func sortMessages(ms []outbox.Message) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].ID < ms[j-1].ID; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

const (
	qFinishEnd = `UPDATE outbox SET state = ?, lease_owner = '', lease_until = NULL, last_error = ?, ended_at = ?
		WHERE id = ? AND lease_owner = ? AND state = 'pending'`
	qFinishRetry = `UPDATE outbox SET lease_owner = '', lease_until = NULL, last_error = ?, next_at = ?
		WHERE id = ? AND lease_owner = ? AND state = 'pending'`
)

// Finish implements [outbox.Store.Finish].
func (db *DB) Finish(ctx context.Context, id int64, owner string, state outbox.State, retryAt time.Time, reason string) error {
	now := db.now()
	if len(reason) > 2000 {
		reason = reason[:2000]
	}
	var query string
	args := []any{}
	switch state {
	case outbox.Done, outbox.Dead:
		query = qFinishEnd
		args = append(args, string(state), reason, now, id, owner)
	case outbox.Pending:
		if retryAt.Before(now) {
			retryAt = now
		}
		query = qFinishRetry
		args = append(args, reason, retryAt, id, owner)
	default:
		return cairn.Invalidf("state", "%q is not an outbox state", state)
	}
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		n, err = x.pexecN(ctx, query, args...)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return cairn.Errorf(cairn.Conflict, "outbox message %d is not leased to %s any more", id, owner)
	}
	return nil
}

var _ outbox.BatchFinisher = (*DB)(nil)

// FinishAll implements [outbox.BatchFinisher.FinishAll].
func (db *DB) FinishAll(ctx context.Context, owner string, outcomes []outbox.Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	now := db.now()
	for _, o := range outcomes {
		if o.State != outbox.Done && o.State != outbox.Dead && o.State != outbox.Pending {
			return cairn.Invalidf("state", "%q is not an outbox state", o.State)
		}
	}
	lost := 0
	err := db.write(ctx, func(x q) error {
		lost = 0
		for _, o := range outcomes {
			reason := o.Reason
			if len(reason) > 2000 {
				reason = reason[:2000]
			}
			var n int64
			var err error
			if o.State == outbox.Pending {
				at := o.RetryAt
				if at.Before(now) {
					at = now
				}
				n, err = x.pexecN(ctx, qFinishRetry, reason, at, o.ID, owner)
			} else {
				n, err = x.pexecN(ctx, qFinishEnd, string(o.State), reason, now, o.ID, owner)
			}
			if err != nil {
				return err
			}
			if n == 0 {
				lost++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if lost > 0 {
		return cairn.Errorf(cairn.Conflict, "%d of %d outbox messages are not leased to %s any more", lost, len(outcomes), owner)
	}
	return nil
}

// OutboxMessage is a stored message with its state, for listings.
type OutboxMessage struct {
	outbox.Message
	State     outbox.State
	NextAt    time.Time
	LastError string
	EndedAt   *time.Time
}

// OutboxMessages returns the messages of kind of an organization, newest
// first, up to limit (at most 500), with ids below before (0: from the
// newest).
func (db *DB) OutboxMessages(ctx context.Context, orgID, kind string, before int64, limit int) ([]OutboxMessage, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.read().pquery(ctx, `SELECT id, kind, org_id, key, payload, attempts, created_at, state, next_at, last_error, ended_at
		FROM outbox WHERE org_id = ? AND kind = ? AND id < ? ORDER BY id DESC LIMIT ?`, orgID, kind, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		var state string
		if err := rows.Scan(&m.ID, &m.Kind, &m.OrgID, &m.Key, bytesCol{&m.Payload}, &m.Attempts, timeCol{&m.CreatedAt},
			&state, timeCol{&m.NextAt}, &m.LastError, nullTimeCol{&m.EndedAt}); err != nil {
			return nil, mapErr(err)
		}
		m.State = outbox.State(state)
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// PruneOutbox deletes messages that ended before cutoff, and the webhook
// attempts made before it, and returns how many messages.
func (db *DB) PruneOutbox(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(x q) (err error) {
		n, err = x.execN(ctx, "DELETE FROM outbox WHERE state <> 'pending' AND ended_at < ?", cutoff)
		if err != nil {
			return err
		}
		_, err = x.exec(ctx, "DELETE FROM webhook_attempts WHERE started_at < ?", cutoff)
		return err
	})
	return n, err
}
