-- Cairn schema, first version (SQLite). Released migrations are never edited.
-- Timestamps are TEXT in UTC, 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (sortable).

CREATE TABLE organizations (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL
);

CREATE TABLE accounts (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL
);

CREATE TABLE memberships (
	org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('owner', 'issuer', 'viewer')),
	PRIMARY KEY (org_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL UNIQUE,
	hash         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('owner', 'issuer', 'viewer')),
	created_at   TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE images (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	content_type TEXT NOT NULL,
	data         BLOB NOT NULL,
	sha256       TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE INDEX images_org ON images (org_id);

CREATE TABLE issuers (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	url         TEXT NOT NULL,
	email       TEXT NOT NULL,
	description TEXT NOT NULL,
	image_id    TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX issuers_org ON issuers (org_id);

CREATE TABLE issuer_keys (
	id             TEXT PRIMARY KEY,
	issuer_id      TEXT NOT NULL REFERENCES issuers (id) ON DELETE CASCADE,
	type           TEXT NOT NULL,
	fragment       TEXT NOT NULL,
	public_jwk     BLOB NOT NULL,
	private_sealed BLOB NOT NULL,
	created_at     TEXT NOT NULL,
	retired_at     TEXT,
	UNIQUE (issuer_id, fragment)
);

CREATE TABLE achievements (
	id                  TEXT PRIMARY KEY,
	org_id              TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	issuer_id           TEXT NOT NULL REFERENCES issuers (id),
	name                TEXT NOT NULL,
	description         TEXT NOT NULL,
	criteria_narrative  TEXT NOT NULL,
	criteria_url        TEXT NOT NULL,
	achievement_type    TEXT NOT NULL,
	alignments          TEXT NOT NULL,
	result_descriptions TEXT NOT NULL,
	credits_available   REAL,
	tags                TEXT NOT NULL,
	field_of_study      TEXT NOT NULL,
	in_language         TEXT NOT NULL,
	version             TEXT NOT NULL,
	image_id            TEXT NOT NULL,
	valid_for           INTEGER NOT NULL,
	created_at          TEXT NOT NULL,
	updated_at          TEXT NOT NULL
);
CREATE INDEX achievements_org ON achievements (org_id, issuer_id);

-- Status lists come in pairs (revocation, suspension) sharing issuer and seq;
-- an award takes the same index in both. used counts allocated indexes in
-- the revocation list.
CREATE TABLE status_lists (
	id             TEXT PRIMARY KEY,
	issuer_id      TEXT NOT NULL REFERENCES issuers (id),
	purpose        TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
	seq            INTEGER NOT NULL,
	size           INTEGER NOT NULL,
	used           INTEGER NOT NULL,
	bits           BLOB NOT NULL,
	version        INTEGER NOT NULL,
	signed         BLOB,
	signed_version INTEGER NOT NULL,
	signed_at      TEXT,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	UNIQUE (issuer_id, purpose, seq)
);
CREATE INDEX status_lists_stale ON status_lists (signed_version, version);

CREATE TABLE awards (
	id                  TEXT PRIMARY KEY,
	org_id              TEXT NOT NULL REFERENCES organizations (id),
	issuer_id           TEXT NOT NULL REFERENCES issuers (id),
	achievement_id      TEXT NOT NULL REFERENCES achievements (id),
	recipient_type      TEXT NOT NULL CHECK (recipient_type IN ('email', 'did')),
	recipient_identity  TEXT NOT NULL,
	recipient_name      TEXT NOT NULL,
	recipient_show_name INTEGER NOT NULL,
	recipient_salt      TEXT NOT NULL,
	narrative           TEXT NOT NULL,
	evidence            TEXT NOT NULL,
	results             TEXT NOT NULL,
	credits_earned      REAL,
	activity_start      TEXT,
	activity_end        TEXT,
	awarded_date        TEXT NOT NULL,
	valid_from          TEXT NOT NULL,
	valid_until         TEXT,
	formats             TEXT NOT NULL,
	credential_json     BLOB NOT NULL,
	credential_jwt      TEXT NOT NULL,
	status_list_id      TEXT NOT NULL REFERENCES status_lists (id),
	suspension_list_id  TEXT NOT NULL REFERENCES status_lists (id),
	status_index        INTEGER NOT NULL,
	state               TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'suspended')),
	state_reason        TEXT NOT NULL,
	idempotency_key     TEXT NOT NULL,
	request_hash        TEXT NOT NULL,
	created_at          TEXT NOT NULL,
	updated_at          TEXT NOT NULL,
	UNIQUE (status_list_id, status_index)
);
CREATE UNIQUE INDEX awards_idempotency ON awards (org_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX awards_org_created ON awards (org_id, created_at, id);
CREATE INDEX awards_org_recipient ON awards (org_id, recipient_identity);
CREATE INDEX awards_achievement ON awards (achievement_id, created_at);
