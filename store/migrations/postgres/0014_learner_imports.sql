-- Credentials a learner imported into their wallet from anywhere (package
-- wallet), PostgreSQL. Released migrations are never edited.
--
-- learner_imports: one credential as it was received (credential: its
-- JSON, or the compact JWS of a VC-JWT; original: the baked PNG or SVG it
-- came in, if it came as an image), what it says for display (name,
-- issuer, dates, skills: a JSON array of its alignments' names), its
-- badge image (image: a PNG as received or a sanitized SVG), and the
-- latest verification (result, report: the verifier's JSON report,
-- checked_at; next_check_at: when the background checks it again).
-- digest is the hex SHA-256 of credential: the same credential imported
-- twice is one row.
CREATE TABLE learner_imports (
	id            TEXT PRIMARY KEY,
	learner_id    TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	digest        TEXT NOT NULL,
	format        TEXT NOT NULL,
	source_url    TEXT NOT NULL DEFAULT '',
	credential    BYTEA NOT NULL,
	original      BYTEA,
	original_type TEXT NOT NULL DEFAULT '',
	credential_id TEXT NOT NULL DEFAULT '',
	name          TEXT NOT NULL,
	description   TEXT NOT NULL DEFAULT '',
	issuer_id     TEXT NOT NULL DEFAULT '',
	issuer_name   TEXT NOT NULL DEFAULT '',
	issued_at     TIMESTAMPTZ,
	valid_until   TIMESTAMPTZ,
	skills        TEXT NOT NULL DEFAULT '[]',
	image         BYTEA,
	image_type    TEXT NOT NULL DEFAULT '',
	result        TEXT NOT NULL,
	report        BYTEA NOT NULL,
	checked_at    TIMESTAMPTZ NOT NULL,
	next_check_at TIMESTAMPTZ NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL,
	UNIQUE (learner_id, digest)
);
CREATE INDEX learner_imports_learner ON learner_imports (learner_id, created_at);
CREATE INDEX learner_imports_due ON learner_imports (next_check_at);
