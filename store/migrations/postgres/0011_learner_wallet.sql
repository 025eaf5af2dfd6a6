-- Learner accounts and claimed awards (package wallet), PostgreSQL.
-- Released migrations are never edited.
--
-- Learners are global, not per organization: one person keeps the badges
-- of every issuer on this server. Organizations never read these tables;
-- they see only whether an award of theirs was claimed (learner_awards).

-- learners: email is the sign-in address (lower case), also a row of
-- learner_emails.
CREATE TABLE learners (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL
);

-- learner_emails: the addresses of a learner. An address is verified by
-- the link mailed to it (token_hash: SHA-256 of the link's token, NULL once
-- verified); only a verified address makes awards to it claimable, and an
-- address is verified for one learner at most.
CREATE TABLE learner_emails (
	learner_id       TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	email            TEXT NOT NULL,
	verified_at      TIMESTAMPTZ,
	token_hash       TEXT UNIQUE,
	token_expires_at TIMESTAMPTZ,
	sent_at          TIMESTAMPTZ,
	created_at       TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (learner_id, email)
);
CREATE UNIQUE INDEX learner_emails_verified ON learner_emails (email) WHERE verified_at IS NOT NULL;

-- learner_dids: the DIDs of a learner, each verified by a signed challenge
-- (challenge_hash: SHA-256 of the pending challenge).
CREATE TABLE learner_dids (
	learner_id           TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	did                  TEXT NOT NULL,
	verified_at          TIMESTAMPTZ,
	challenge_hash       TEXT,
	challenge_expires_at TIMESTAMPTZ,
	created_at           TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (learner_id, did)
);
CREATE UNIQUE INDEX learner_dids_verified ON learner_dids (did) WHERE verified_at IS NOT NULL;

-- learner_sessions: web sessions (cookie, with a CSRF token) and API
-- tokens (bearer) of learners; only the SHA-256 of the token is kept.
CREATE TABLE learner_sessions (
	id         TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	learner_id TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL CHECK (kind IN ('web', 'api')),
	csrf_token TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX learner_sessions_learner ON learner_sessions (learner_id);
CREATE INDEX learner_sessions_expiry ON learner_sessions (expires_at);

-- learner_awards: the awards a learner claimed (one learner per award).
CREATE TABLE learner_awards (
	award_id   TEXT PRIMARY KEY REFERENCES awards (id),
	learner_id TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	claimed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX learner_awards_learner ON learner_awards (learner_id, claimed_at);

-- claim_links: claim links staff made for an award (besides the one its
-- mail carries, in award_claims); only the SHA-256 of the token is kept.
CREATE TABLE claim_links (
	token_hash TEXT PRIMARY KEY,
	award_id   TEXT NOT NULL REFERENCES awards (id),
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX claim_links_award ON claim_links (award_id);
