-- The outbox of effects outside the database (package outbox), SQLite.
-- Released migrations are never edited.

-- outbox holds one row per effect to carry out (a mail, a webhook
-- delivery …), written in the transaction of the change that causes it.
-- kind names the consumer, key is unique within a kind (enqueuing it again
-- does nothing). A worker leases a due row (lease_owner, lease_until),
-- counts the attempt, and ends it done, dead, or pending again at next_at.
-- Rows stay after they end, for listings, until pruned.
CREATE TABLE outbox (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT NOT NULL,
	org_id      TEXT NOT NULL,
	key         TEXT NOT NULL,
	payload     BLOB NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
	attempts    INTEGER NOT NULL,
	next_at     TEXT NOT NULL,
	lease_owner TEXT NOT NULL,
	lease_until TEXT,
	last_error  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	ended_at    TEXT,
	UNIQUE (kind, key)
);
CREATE INDEX outbox_due ON outbox (kind, next_at) WHERE state = 'pending';
CREATE INDEX outbox_org ON outbox (org_id, kind, id);
