-- Mail to learners (package notify/mail), SQLite.
-- Released migrations are never edited.

-- reminder_days: the days before an award's validUntil on which its
-- learner is reminded, a JSON array of whole days ('[]': none).
ALTER TABLE achievements ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '[]';

-- mail_templates: an organization's own subject and body for a kind of
-- mail ('award', 'reminder'); a kind without a row uses the default.
CREATE TABLE mail_templates (
	org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	body       TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (org_id, kind)
);

-- award_claims: the claim token mailed with an award (only its SHA-256 is
-- kept); claimed_at is set when the learner claims it.
CREATE TABLE award_claims (
	award_id   TEXT PRIMARY KEY REFERENCES awards (id),
	token_hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	claimed_at TEXT
);

-- The reminder pass looks for active awards to email recipients whose
-- validUntil is near.
CREATE INDEX awards_expiring ON awards (valid_until) WHERE state = 'active' AND recipient_type = 'email';
