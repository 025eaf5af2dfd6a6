-- Stackable pathways (package pathway), SQLite. Released migrations are
-- never edited.

-- pathways holds one row per pathway: its current version and whether it
-- was deleted (kept, so that what it awarded still names it).
CREATE TABLE pathways (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	deleted_at TEXT
);
CREATE INDEX pathways_org ON pathways (org_id, created_at);

-- pathway_versions holds every version of a pathway: an edit adds one, so
-- that an award keeps the rule it was earned under. rule is its JSON.
CREATE TABLE pathway_versions (
	pathway_id     TEXT NOT NULL REFERENCES pathways (id) ON DELETE CASCADE,
	version        INTEGER NOT NULL,
	name           TEXT NOT NULL,
	description    TEXT NOT NULL,
	achievement_id TEXT NOT NULL REFERENCES achievements (id),
	rule           TEXT NOT NULL,
	auto_award     INTEGER NOT NULL,
	created_at     TEXT NOT NULL,
	PRIMARY KEY (pathway_id, version)
);

-- pathway_achievements is the index "achievement → pathways that involve
-- it" (directly, or through a pathway inside the pathway): an award change
-- of achievement_id re-evaluates exactly these pathways.
CREATE TABLE pathway_achievements (
	achievement_id TEXT NOT NULL,
	pathway_id     TEXT NOT NULL REFERENCES pathways (id) ON DELETE CASCADE,
	org_id         TEXT NOT NULL,
	PRIMARY KEY (achievement_id, pathway_id)
);
CREATE INDEX pathway_achievements_pathway ON pathway_achievements (pathway_id);

-- pathway_awards records each award a pathway gave (one per pathway and
-- learner), the version it was earned under, and whether the pathway
-- suspended it (a contributing badge was revoked or suspended), so that it
-- reinstates only its own suspensions.
CREATE TABLE pathway_awards (
	award_id             TEXT PRIMARY KEY REFERENCES awards (id),
	org_id               TEXT NOT NULL,
	pathway_id           TEXT NOT NULL REFERENCES pathways (id),
	version              INTEGER NOT NULL,
	recipient_identity   TEXT NOT NULL,
	suspended_by_pathway INTEGER NOT NULL,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL,
	UNIQUE (pathway_id, recipient_identity)
);
CREATE INDEX pathway_awards_org ON pathway_awards (org_id, pathway_id);

-- pathway_award_sources lists what made a pathway award hold: awards,
-- recognitions of prior learning, external badges (for CLR transcripts).
CREATE TABLE pathway_award_sources (
	award_id  TEXT NOT NULL REFERENCES pathway_awards (award_id) ON DELETE CASCADE,
	kind      TEXT NOT NULL CHECK (kind IN ('award', 'recognition', 'external')),
	source_id TEXT NOT NULL,
	PRIMARY KEY (award_id, kind, source_id)
);

-- recognitions are the kinds of prior learning an organization recognizes
-- ({"recognition": ID} in a rule); learner_recognitions are those staff
-- recorded for a learner, with evidence.
CREATE TABLE recognitions (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	credits     REAL,
	created_at  TEXT NOT NULL
);
CREATE INDEX recognitions_org ON recognitions (org_id);

CREATE TABLE learner_recognitions (
	id                 TEXT PRIMARY KEY,
	org_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	recognition_id     TEXT NOT NULL REFERENCES recognitions (id),
	recipient_identity TEXT NOT NULL,
	evidence           TEXT NOT NULL,
	note               TEXT NOT NULL,
	recorded_by        TEXT NOT NULL,
	created_at         TEXT NOT NULL
);
CREATE INDEX learner_recognitions_recipient ON learner_recognitions (org_id, recipient_identity);

-- external_badges are badges of other issuers a learner presented and that
-- verified ({"external": …} in a rule): what the rule matches, not the
-- credential.
CREATE TABLE external_badges (
	id                 TEXT PRIMARY KEY,
	org_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	recipient_identity TEXT NOT NULL,
	credential_id      TEXT NOT NULL,
	issuer             TEXT NOT NULL,
	achievement_id     TEXT NOT NULL,
	achievement_name   TEXT NOT NULL,
	valid_until        TEXT,
	verified_at        TEXT NOT NULL,
	UNIQUE (org_id, recipient_identity, credential_id)
);
