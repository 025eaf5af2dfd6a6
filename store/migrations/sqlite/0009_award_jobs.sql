-- Award jobs (sqlite). Released migrations are never edited.

-- award_jobs holds bulk awards: one uploaded file each (package jobs).
-- The counters are kept by the transactions that change row states.
CREATE TABLE award_jobs (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	achievement_id  TEXT NOT NULL,
	file_name       TEXT NOT NULL,
	idempotency_key TEXT NOT NULL,
	created_by      TEXT NOT NULL,
	state           TEXT NOT NULL,
	total           INTEGER NOT NULL DEFAULT 0,
	issued          INTEGER NOT NULL DEFAULT 0,
	failed          INTEGER NOT NULL DEFAULT 0,
	skipped         INTEGER NOT NULL DEFAULT 0,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	finished_at     TEXT
);
CREATE UNIQUE INDEX award_jobs_idempotency ON award_jobs (org_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX award_jobs_org_created ON award_jobs (org_id, created_at, id);
CREATE INDEX award_jobs_active ON award_jobs (state, created_at) WHERE state IN ('loading', 'queued', 'running');

-- award_job_rows holds every row of a job's file, by its 1-based row
-- number: the award it asks for (input, JSON), then what became of it.
-- A row is leased to one worker (lease_owner until lease_until, Unix
-- milliseconds) while it is issued. dedupe_key makes a duplicate row of
-- the same job fail.
CREATE TABLE award_job_rows (
	job_id       TEXT NOT NULL REFERENCES award_jobs (id) ON DELETE CASCADE,
	row_num      INTEGER NOT NULL,
	state        TEXT NOT NULL,
	input        TEXT,
	external_id  TEXT NOT NULL,
	recipient    TEXT NOT NULL,
	dedupe_key   TEXT,
	award_id     TEXT NOT NULL DEFAULT '',
	error_column TEXT NOT NULL DEFAULT '',
	error        TEXT NOT NULL DEFAULT '',
	lease_owner  TEXT NOT NULL DEFAULT '',
	lease_until  BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, row_num)
);
CREATE UNIQUE INDEX award_job_rows_dedupe ON award_job_rows (job_id, dedupe_key);
CREATE INDEX award_job_rows_state ON award_job_rows (job_id, state, row_num);
