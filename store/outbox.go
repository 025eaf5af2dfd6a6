package store

import (
	"context"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/translog"
)

// AwardEventFunc returns the transparency log event that records a change
// of an award, or nil when the change is not one the log records. prev is
// the award before the change, nil for a creation; cur is the award as it
// is being stored. It runs inside the store's transaction: it must not
// touch the store, and an error aborts the change.
type AwardEventFunc func(ctx context.Context, prev, cur *cairn.Award) (*translog.Event, error)

// writeOutbox records the log event of an award change in the log's
// outbox, and the messages of its other effects (db.AwardMessages) in the
// outbox of package outbox, in the change's transaction x, so that the
// change and its effects commit together or not at all.
func (db *DB) writeOutbox(ctx context.Context, x q, prev, cur *cairn.Award) error {
	if _, err := db.writeAwardMessages(ctx, x, prev, cur); err != nil {
		return err
	}
	return db.writeAwardEvent(ctx, x, prev, cur)
}

// writeAwardEvent records the log event of an award change in the log's
// outbox, in the change's transaction x.
func (db *DB) writeAwardEvent(ctx context.Context, x q, prev, cur *cairn.Award) error {
	if db.AwardEvent == nil {
		return nil
	}
	ev, err := db.AwardEvent(ctx, prev, cur)
	if err != nil || ev == nil {
		return err
	}
	data, err := ev.Marshal()
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "the log event of award %s cannot be encoded", cur.ID)
	}
	_, err = x.pexec(ctx, qInsertOutbox, ev.CredentialID, data, db.now())
	return err
}

// Outbox returns up to limit of the oldest events waiting for the log,
// with their outbox sequence numbers: entries[i] is row seqs[i], its Key
// the credential id and its Data the encoded event.
func (s *LogStorage) Outbox(ctx context.Context, limit int) (seqs []int64, entries []translog.Entry, err error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.db.read().query(ctx, "SELECT seq, credential_id, data FROM translog_outbox ORDER BY seq LIMIT ?", limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var e translog.Entry
		if err := rows.Scan(&seq, &e.Key, bytesCol{&e.Data}); err != nil {
			return nil, nil, mapErr(err)
		}
		seqs = append(seqs, seq)
		entries = append(entries, e)
	}
	return seqs, entries, mapErr(rows.Err())
}

// OutboxPending returns how many events about credentialID wait in the
// outbox ("" counts them all).
func (s *LogStorage) OutboxPending(ctx context.Context, credentialID string) (int, error) {
	var n int
	var err error
	if credentialID == "" {
		err = s.db.read().row(ctx, "SELECT COUNT(*) FROM translog_outbox").Scan(&n)
	} else {
		err = s.db.read().row(ctx, "SELECT COUNT(*) FROM translog_outbox WHERE credential_id = ?", credentialID).Scan(&n)
	}
	return n, mapErr(err)
}

// Draining returns a LogStorage whose Append also deletes the outbox rows
// seqs, in the append's transaction: the events leave the outbox exactly
// when they enter the log. That Append fails with an error wrapping
// translog.ErrConflict, and changes nothing, if any of the rows is gone
// (another worker appended them).
func (s *LogStorage) Draining(seqs []int64) translog.Storage {
	return &LogStorage{db: s.db, drain: append([]int64(nil), seqs...)}
}

// LogKey returns the log's signing key: its name (the log's origin) and
// its private key sealed by the keyring. Errors: NotFound if none was
// created yet.
func (s *LogStorage) LogKey(ctx context.Context) (name string, sealed []byte, err error) {
	err = s.db.read().row(ctx, "SELECT name, private_sealed FROM translog_key WHERE id = 1").Scan(&name, bytesCol{&sealed})
	if err != nil {
		return "", nil, orNotFound(err, "log key")
	}
	return name, sealed, nil
}

// CreateLogKey stores the log's signing key (name, Ed25519 public key,
// sealed private key) unless there already is one, and returns the key
// stored: this one, or the one another process created first. A log keeps
// its first key.
func (s *LogStorage) CreateLogKey(ctx context.Context, name string, public, sealed []byte) (storedName string, storedSealed []byte, err error) {
	if err := required("name", name); err != nil {
		return "", nil, err
	}
	if len(public) == 0 || len(sealed) == 0 {
		return "", nil, cairn.Invalidf("private_sealed", "is empty")
	}
	err = s.db.write(ctx, func(x q) error {
		_, err := x.exec(ctx, `INSERT INTO translog_key (id, name, public_key, private_sealed, created_at)
			VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, name, public, sealed, s.db.now())
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return s.LogKey(ctx)
}

// EndorsementEventFunc returns the transparency log event of an
// endorsement issued or revoked (e.State says which). Like AwardEventFunc,
// it runs inside the store's transaction and must not touch the store.
type EndorsementEventFunc func(ctx context.Context, e *cairn.Endorsement) (*translog.Event, error)
