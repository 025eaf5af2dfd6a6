-- Learner portfolios (package wallet, issue 10 items 4 and 7), SQLite.
-- Released migrations are never edited.

-- learner_profiles: what a learner's public portfolio (/learners/{handle})
-- shows. handle is lower case, unique; nothing is public until public is
-- set. share_all: every credential of the wallet is shown, else only those
-- marked public in learner_credential_visibility.
CREATE TABLE learner_profiles (
	learner_id TEXT PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
	handle     TEXT NOT NULL UNIQUE,
	public     INTEGER NOT NULL,
	share_all  INTEGER NOT NULL,
	headline   TEXT NOT NULL,
	bio        TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

-- learner_credential_visibility: a learner's choice for one credential of
-- their wallet (an award they claimed, or one they imported: the id the
-- wallet lists it under).
CREATE TABLE learner_credential_visibility (
	learner_id    TEXT NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
	credential_id TEXT NOT NULL,
	public        INTEGER NOT NULL,
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (learner_id, credential_id)
);

-- learner_keys: the did:key Ed25519 key the wallet holds for a learner, to
-- sign their portfolio's Verifiable Presentation. private_sealed is the
-- private JWK sealed by the keyring (bound to "learner-key:" + learner_id).
CREATE TABLE learner_keys (
	learner_id     TEXT PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
	did            TEXT NOT NULL UNIQUE,
	public_jwk     BLOB NOT NULL,
	private_sealed BLOB NOT NULL,
	created_at     TEXT NOT NULL
);
