-- The transparency log (package translog) and its outbox (SQLite).
-- Released migrations are never edited.

-- translog_entries holds the log's entries: idx is the entry's index in the
-- tree, credential_id the key it is looked up by ('' = not indexed), data
-- the encoded event. Rows are only ever inserted.
CREATE TABLE translog_entries (
	idx           INTEGER PRIMARY KEY,
	credential_id TEXT NOT NULL,
	data          BLOB NOT NULL
);
CREATE INDEX translog_entries_credential ON translog_entries (credential_id, idx) WHERE credential_id <> '';

-- translog_tiles holds the hash tiles (C2SP tlog-tiles layout): the hashes
-- of tile idx of tile level level, concatenated. A tile only grows.
CREATE TABLE translog_tiles (
	level  INTEGER NOT NULL,
	idx    INTEGER NOT NULL,
	hashes BLOB NOT NULL,
	PRIMARY KEY (level, idx)
);

-- translog_state is one row: the tree size (appends compare-and-set it) and
-- the latest signed checkpoint.
CREATE TABLE translog_state (
	id              INTEGER PRIMARY KEY CHECK (id = 1),
	size            INTEGER NOT NULL,
	checkpoint_size INTEGER,
	checkpoint      BLOB
);
INSERT INTO translog_state (id, size) VALUES (1, 0);

-- translog_outbox holds events written in the transaction of the award
-- change they record, until the log worker appends them and deletes them
-- in the append's transaction.
CREATE TABLE translog_outbox (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	credential_id TEXT NOT NULL,
	data          BLOB NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE INDEX translog_outbox_credential ON translog_outbox (credential_id);

-- translog_key is the log's signing key, one row: its name (the log's
-- origin), public key, and private key sealed by the keyring.
CREATE TABLE translog_key (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	name           TEXT NOT NULL,
	public_key     BLOB NOT NULL,
	private_sealed BLOB NOT NULL,
	created_at     TEXT NOT NULL
);
