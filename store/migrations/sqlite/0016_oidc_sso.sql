-- Single sign-on with OpenID Connect (package sso), SQLite. Released
-- migrations are never edited.

-- sso_configs: one organization's OpenID provider. client_secret_sealed is
-- sealed by the keyring (bound to the organization's id); email_domains is
-- a JSON array of lower-case domains; role_map a JSON array of
-- {"value", "role"} objects: which value of the role_claim claim gives
-- which role. default_role is the role when nothing maps, '' for no
-- access. password_login: whether the organization's members may still
-- log in with a password; login_button: whether the login page shows a
-- "Sign in with" button for it.
CREATE TABLE sso_configs (
	org_id               TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
	enabled              INTEGER NOT NULL,
	issuer_url           TEXT NOT NULL,
	client_id            TEXT NOT NULL,
	client_secret_sealed BLOB NOT NULL,
	email_domains        TEXT NOT NULL,
	role_claim           TEXT NOT NULL,
	role_map             TEXT NOT NULL,
	default_role         TEXT NOT NULL CHECK (default_role IN ('', 'owner', 'issuer', 'viewer')),
	password_login       INTEGER NOT NULL,
	login_button         INTEGER NOT NULL,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL
);

-- sso_sessions: the sessions started by single sign-on, and the
-- organization whose provider vouched for the account. Such a session
-- acts in that organization only.
CREATE TABLE sso_sessions (
	session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
	org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX sso_sessions_org ON sso_sessions (org_id);
