-- The Open Badges 3.0 REST API host (issue 10, item 8; package oauth) and
-- imported credentials matched to their learner (items 3 and 4), SQLite.
-- Released migrations are never edited.
--
-- oauth_clients: applications registered by OAuth 2.0 dynamic client
-- registration (RFC 7591). client_id is public; only the SHA-256 of the
-- client secret is kept. redirect_uris and contacts are JSON arrays of
-- strings; scope is the space-separated scopes it may ask for.
CREATE TABLE oauth_clients (
	client_id        TEXT PRIMARY KEY,
	secret_hash      TEXT NOT NULL,
	client_name      TEXT NOT NULL,
	client_uri       TEXT NOT NULL DEFAULT '',
	logo_uri         TEXT NOT NULL DEFAULT '',
	tos_uri          TEXT NOT NULL DEFAULT '',
	policy_uri       TEXT NOT NULL DEFAULT '',
	software_id      TEXT NOT NULL DEFAULT '',
	software_version TEXT NOT NULL DEFAULT '',
	redirect_uris    TEXT NOT NULL,
	contacts         TEXT NOT NULL DEFAULT '[]',
	scope            TEXT NOT NULL,
	created_at       TEXT NOT NULL
);

-- oauth_grants: what a learner allowed one client (a connected
-- application): the scopes granted. Revoking it (or deleting the wallet)
-- removes its codes and tokens.
CREATE TABLE oauth_grants (
	id           TEXT PRIMARY KEY,
	learner_id   TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	client_id    TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
	scope        TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	last_used_at TEXT,
	UNIQUE (learner_id, client_id)
);

-- oauth_tokens: authorization codes, access tokens and refresh tokens of
-- a grant; only the SHA-256 of each is kept. family ties the tokens that
-- descend from one authorization code, so that a code or refresh token
-- used twice revokes them all (RFC 6749 §4.1.2, RFC 9700 §4.14.2).
-- redirect_uri and code_challenge (S256) belong to codes; used_at is set
-- when a code is exchanged or a refresh token rotated.
CREATE TABLE oauth_tokens (
	token_hash     TEXT PRIMARY KEY,
	kind           TEXT NOT NULL CHECK (kind IN ('code', 'access', 'refresh')),
	grant_id       TEXT NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
	family         TEXT NOT NULL,
	scope          TEXT NOT NULL,
	redirect_uri   TEXT NOT NULL DEFAULT '',
	code_challenge TEXT NOT NULL DEFAULT '',
	created_at     TEXT NOT NULL,
	expires_at     TEXT NOT NULL,
	used_at        TEXT
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens (expires_at);

-- learner_imports.addressed: whether the imported credential's subject
-- (an email, a hashed email with its salt, a DID) is one of the learner's
-- verified identities when it was imported: 'you', 'other' (a warning:
-- addressed to someone else), or '' (the credential names no subject the
-- wallet can compare). addressed_to is what the credential names, for
-- display (an address or DID; a hashed identifier shows as "hashed").
ALTER TABLE learner_imports ADD COLUMN addressed TEXT NOT NULL DEFAULT '';
ALTER TABLE learner_imports ADD COLUMN addressed_to TEXT NOT NULL DEFAULT '';
