-- Rendered credential pages (SQLite). Released migrations are never edited.

-- credential_pages holds the public page of each award, rendered ahead of
-- its views (package web): the page of the award version award_updated_at
-- whose signed credential digests to credential_sha256 (SHA-256 of the
-- JSON, a zero byte, and the JWT), with the verification made at
-- checked_at, gzip-compressed. One row per award, replaced when the award
-- changes or is verified again.
CREATE TABLE credential_pages (
	award_id          TEXT PRIMARY KEY REFERENCES awards (id) ON DELETE CASCADE,
	award_updated_at  TEXT NOT NULL,
	credential_sha256 BLOB NOT NULL,
	checked_at        TEXT NOT NULL,
	result            TEXT NOT NULL,
	html_gzip         BLOB NOT NULL
);
