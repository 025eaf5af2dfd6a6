-- Endorsements, evidence requirements (issue 11, item 3) and the assessor
-- role (item 6), SQLite. Released migrations are never edited.

-- endorsements: an OB 3.0 EndorsementCredential, either issued here by an
-- organization's issuer (origin 'issued': org_id is the endorser's) or
-- signed elsewhere and received by an organization for one of its
-- achievements (origin 'received': org_id is the receiver's, issuer_id
-- ''). subject_org_id, achievement_id and subject_issuer_id name the
-- endorsed achievement or profile when this server hosts it ('' when
-- not). An issued endorsement has an entry in a revocation list of its
-- issuer: status_list_id is a list of seq <= 0 (the awards' lists start at
-- 1), status_index its entry; '' and 0 for a received one.
CREATE TABLE endorsements (
	id                TEXT PRIMARY KEY,
	org_id            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	origin            TEXT NOT NULL CHECK (origin IN ('issued', 'received')),
	issuer_id         TEXT NOT NULL,
	endorser_id       TEXT NOT NULL,
	endorser_name     TEXT NOT NULL,
	subject_id        TEXT NOT NULL,
	subject_type      TEXT NOT NULL CHECK (subject_type IN ('achievement', 'profile', 'other')),
	subject_org_id    TEXT NOT NULL,
	achievement_id    TEXT NOT NULL,
	subject_issuer_id TEXT NOT NULL,
	comment           TEXT NOT NULL,
	credential_json   BLOB NOT NULL,
	credential_jwt    TEXT NOT NULL,
	status_list_id    TEXT NOT NULL,
	status_index      INTEGER NOT NULL,
	state             TEXT NOT NULL CHECK (state IN ('active', 'revoked')),
	state_reason      TEXT NOT NULL,
	valid_from        TEXT NOT NULL,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL
);
CREATE INDEX endorsements_org ON endorsements (org_id, created_at);
CREATE INDEX endorsements_subject_org ON endorsements (subject_org_id, created_at);
CREATE INDEX endorsements_achievement ON endorsements (achievement_id, created_at);
CREATE INDEX endorsements_subject_issuer ON endorsements (subject_issuer_id, created_at);
CREATE UNIQUE INDEX endorsements_status ON endorsements (status_list_id, status_index) WHERE status_list_id <> '';

-- evidence_requirements: what an applicant must submit (a JSON list of
-- {"id", "label", "kind", "required", "description"}); Cairn's own, not
-- in the credential. items: what an application gave for each.
ALTER TABLE achievements ADD COLUMN evidence_requirements TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN items TEXT NOT NULL DEFAULT '[]';

-- The assessor role: SQLite changes a CHECK constraint by rebuilding the
-- table (no table refers to these).
CREATE TABLE memberships_0019 (
	org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('owner', 'issuer', 'assessor', 'viewer')),
	PRIMARY KEY (org_id, account_id)
);
INSERT INTO memberships_0019 (org_id, account_id, role) SELECT org_id, account_id, role FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_0019 RENAME TO memberships;
CREATE INDEX memberships_account ON memberships (account_id);

CREATE TABLE api_keys_0019 (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL UNIQUE,
	hash         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('owner', 'issuer', 'assessor', 'viewer')),
	created_at   TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
);
INSERT INTO api_keys_0019 (id, org_id, name, prefix, hash, role, created_at, last_used_at, revoked_at)
	SELECT id, org_id, name, prefix, hash, role, created_at, last_used_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_0019 RENAME TO api_keys;
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE invitations_0019 (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	email       TEXT NOT NULL,
	role        TEXT NOT NULL CHECK (role IN ('owner', 'issuer', 'assessor', 'viewer')),
	token_hash  TEXT NOT NULL UNIQUE,
	invited_by  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	accepted_at TEXT,
	accepted_by TEXT
);
INSERT INTO invitations_0019 (id, org_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at, accepted_by)
	SELECT id, org_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at, accepted_by FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_0019 RENAME TO invitations;
CREATE INDEX invitations_org ON invitations (org_id, created_at);

CREATE TABLE sso_configs_0019 (
	org_id               TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
	enabled              INTEGER NOT NULL,
	issuer_url           TEXT NOT NULL,
	client_id            TEXT NOT NULL,
	client_secret_sealed BLOB NOT NULL,
	email_domains        TEXT NOT NULL,
	role_claim           TEXT NOT NULL,
	role_map             TEXT NOT NULL,
	default_role         TEXT NOT NULL CHECK (default_role IN ('', 'owner', 'issuer', 'assessor', 'viewer')),
	password_login       INTEGER NOT NULL,
	login_button         INTEGER NOT NULL,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);
INSERT INTO sso_configs_0019 SELECT org_id, enabled, issuer_url, client_id, client_secret_sealed, email_domains, role_claim,
	role_map, default_role, password_login, login_button, created_at, updated_at FROM sso_configs;
DROP TABLE sso_configs;
ALTER TABLE sso_configs_0019 RENAME TO sso_configs;
