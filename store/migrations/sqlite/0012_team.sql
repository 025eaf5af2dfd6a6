-- Teams (issue 11): invitations to join an organization, password resets,
-- and when accounts and sessions were last used. Released migrations are
-- never edited.
CREATE TABLE invitations (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	email       TEXT NOT NULL,
	role        TEXT NOT NULL CHECK (role IN ('owner', 'issuer', 'viewer')),
	token_hash  TEXT NOT NULL UNIQUE,
	invited_by  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	accepted_at TEXT,
	accepted_by TEXT
);
CREATE INDEX invitations_org ON invitations (org_id, created_at);

CREATE TABLE password_resets (
	token_hash TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT
);
CREATE INDEX password_resets_account ON password_resets (account_id, created_at);

ALTER TABLE accounts ADD COLUMN last_seen_at TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
