-- Issuing rules and the events they are applied to (SQLite). Released
-- migrations are never edited.

-- issuing_rules: an event of event_type (for course_id unless it is '',
-- with a score of at least min_score unless it is NULL) earns
-- achievement_id. narrative is a template (package rules).
CREATE TABLE issuing_rules (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name           TEXT NOT NULL,
	event_type     TEXT NOT NULL,
	course_id      TEXT NOT NULL,
	min_score      REAL,
	achievement_id TEXT NOT NULL REFERENCES achievements (id),
	narrative      TEXT NOT NULL,
	enabled        INTEGER NOT NULL,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL
);
CREATE INDEX issuing_rules_org ON issuing_rules (org_id, created_at);

-- issuing_events: each completion event received (POST /api/v1/events),
-- once per (org_id, external_id), so a retry finds it; payload is the event
-- as accepted and payload_sha256 tells a retry from another event reusing
-- the ID. matches (JSON) are the rules it matched and the awards they made;
-- outcome is pending, awarded, no-match or error.
CREATE TABLE issuing_events (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	external_id    TEXT NOT NULL,
	type           TEXT NOT NULL,
	course_id      TEXT NOT NULL,
	score          REAL,
	recipient      TEXT NOT NULL,
	occurred_at    TEXT NOT NULL,
	received_at    TEXT NOT NULL,
	payload        TEXT NOT NULL,
	payload_sha256 TEXT NOT NULL,
	outcome        TEXT NOT NULL CHECK (outcome IN ('pending', 'awarded', 'no-match', 'error')),
	matches        TEXT NOT NULL,
	error          TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	UNIQUE (org_id, external_id)
);
CREATE INDEX issuing_events_recent ON issuing_events (org_id, received_at, id);
