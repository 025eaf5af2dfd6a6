-- Applications and evidence review (issue 11, item 6): an achievement can
-- be open to applications; learners (or anyone with the link) submit
-- evidence; the organization's staff approve, return or reject it.
-- Released migrations are never edited.
CREATE TABLE application_settings (
	achievement_id TEXT PRIMARY KEY REFERENCES achievements (id) ON DELETE CASCADE,
	org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	open           BOOLEAN NOT NULL,
	anyone         BOOLEAN NOT NULL,
	instructions   TEXT NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL
);

-- applications: one submission of evidence (resubmitted in place after a
-- return). learner_id is NULL for an anyone-with-the-link applicant;
-- deleting a wallet deletes its applications. history is a JSON list of
-- what happened (submitted, returned with a comment, …).
CREATE TABLE applications (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	achievement_id TEXT NOT NULL REFERENCES achievements (id) ON DELETE CASCADE,
	learner_id     TEXT REFERENCES learners (id) ON DELETE CASCADE,
	name           TEXT NOT NULL,
	email          TEXT NOT NULL,
	email_verified BOOLEAN NOT NULL,
	statement      TEXT NOT NULL,
	urls           TEXT NOT NULL,
	consent        BOOLEAN NOT NULL,
	state          TEXT NOT NULL CHECK (state IN ('submitted', 'returned', 'approved', 'rejected')),
	comment        TEXT NOT NULL,
	results        TEXT NOT NULL,
	history        TEXT NOT NULL,
	reviewed_by    TEXT NOT NULL,
	award_id       TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL,
	submitted_at   TIMESTAMPTZ NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX applications_org ON applications (org_id, updated_at);
CREATE INDEX applications_org_state ON applications (org_id, state, updated_at);
CREATE INDEX applications_learner ON applications (learner_id, updated_at);
CREATE INDEX applications_achievement ON applications (achievement_id, email);

CREATE TABLE application_files (
	id             TEXT PRIMARY KEY,
	application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	org_id         TEXT NOT NULL,
	name           TEXT NOT NULL,
	content_type   TEXT NOT NULL,
	size           BIGINT NOT NULL,
	sha256         TEXT NOT NULL,
	data           BYTEA NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX application_files_application ON application_files (application_id, created_at);
