-- LTI 1.3 Advantage (package ltitool, issue 12 item 8; docs/LTI.md). Released
-- migrations are never edited.

-- lti_registrations: an LMS (platform) that an organization registered
-- Cairn with. deployment_ids is a JSON array. tool_key_sealed is the RSA
-- key Cairn signs its service-token requests with (PKCS #8, sealed by the
-- keyring, bound to the registration's id), published under tool_kid.
CREATE TABLE lti_registrations (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	issuer          TEXT NOT NULL,
	client_id       TEXT NOT NULL,
	deployment_ids  TEXT NOT NULL,
	auth_login_url  TEXT NOT NULL,
	auth_token_url  TEXT NOT NULL,
	jwks_url        TEXT NOT NULL,
	tool_kid        TEXT NOT NULL UNIQUE,
	tool_key_sealed BLOB NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	UNIQUE (issuer, client_id)
);
CREATE INDEX lti_registrations_org ON lti_registrations (org_id);

-- lti_logins: an OIDC login begun at /lti/login, until its launch (single
-- use) or expires_at: the state the browser's cookie holds and the nonce
-- the id_token must carry.
CREATE TABLE lti_logins (
	state           TEXT PRIMARY KEY,
	registration_id TEXT NOT NULL REFERENCES lti_registrations (id) ON DELETE CASCADE,
	nonce           TEXT NOT NULL,
	expires_at      TEXT NOT NULL
);

-- lti_launches: a verified launch, for the pages it opens (connect the
-- course, see one's badges) until expires_at; claims is the Launch as JSON.
CREATE TABLE lti_launches (
	id              TEXT PRIMARY KEY,
	registration_id TEXT NOT NULL REFERENCES lti_registrations (id) ON DELETE CASCADE,
	claims          TEXT NOT NULL,
	expires_at      TEXT NOT NULL
);

-- lti_courses: a course (context) an instructor connected: where its line
-- items and members are read, which event type its results become, and
-- the last poll (summary JSON, error). poll_lease_until: a replica
-- polling it holds it until then.
CREATE TABLE lti_courses (
	id               TEXT PRIMARY KEY,
	org_id           TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	registration_id  TEXT NOT NULL REFERENCES lti_registrations (id) ON DELETE CASCADE,
	deployment_id    TEXT NOT NULL,
	context_id       TEXT NOT NULL,
	title            TEXT NOT NULL,
	lineitems_url    TEXT NOT NULL,
	memberships_url  TEXT NOT NULL,
	scopes           TEXT NOT NULL,
	event_type       TEXT NOT NULL,
	connected_by     TEXT NOT NULL,
	connected_at     TEXT NOT NULL,
	polled_at        TEXT,
	poll_summary     TEXT NOT NULL,
	poll_error       TEXT NOT NULL,
	poll_lease_until TEXT,
	UNIQUE (registration_id, deployment_id, context_id)
);
CREATE INDEX lti_courses_org ON lti_courses (org_id);

-- lti_users: what a platform's launches said of a user (email, name), for
-- results whose members list has no email.
CREATE TABLE lti_users (
	registration_id TEXT NOT NULL REFERENCES lti_registrations (id) ON DELETE CASCADE,
	user_id         TEXT NOT NULL,
	email           TEXT NOT NULL,
	name            TEXT NOT NULL,
	seen_at         TEXT NOT NULL,
	PRIMARY KEY (registration_id, user_id)
);
