-- Endorsements, evidence requirements (issue 11, item 3) and the assessor
-- role (item 6), PostgreSQL. Released migrations are never edited.

-- endorsements: an OB 3.0 EndorsementCredential, either issued here by an
-- organization's issuer (origin 'issued': org_id is the endorser's) or
-- signed elsewhere and received by an organization for one of its
-- achievements (origin 'received': org_id is the receiver's, issuer_id
-- ''). subject_org_id, achievement_id and subject_issuer_id name the
-- endorsed achievement or profile when this server hosts it ('' when
-- not). An issued endorsement has an entry in a revocation list of its
-- issuer: status_list_id is a list of seq <= 0 (the awards' lists start at
-- 1), status_index its entry; '' and 0 for a received one.
CREATE TABLE endorsements (
	id                TEXT PRIMARY KEY,
	org_id            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	origin            TEXT NOT NULL CHECK (origin IN ('issued', 'received')),
	issuer_id         TEXT NOT NULL,
	endorser_id       TEXT NOT NULL,
	endorser_name     TEXT NOT NULL,
	subject_id        TEXT NOT NULL,
	subject_type      TEXT NOT NULL CHECK (subject_type IN ('achievement', 'profile', 'other')),
	subject_org_id    TEXT NOT NULL,
	achievement_id    TEXT NOT NULL,
	subject_issuer_id TEXT NOT NULL,
	comment           TEXT NOT NULL,
	credential_json   BYTEA NOT NULL,
	credential_jwt    TEXT NOT NULL,
	status_list_id    TEXT NOT NULL,
	status_index      INTEGER NOT NULL,
	state             TEXT NOT NULL CHECK (state IN ('active', 'revoked')),
	state_reason      TEXT NOT NULL,
	valid_from        TIMESTAMPTZ NOT NULL,
	created_at        TIMESTAMPTZ NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX endorsements_org ON endorsements (org_id, created_at);
CREATE INDEX endorsements_subject_org ON endorsements (subject_org_id, created_at);
CREATE INDEX endorsements_achievement ON endorsements (achievement_id, created_at);
CREATE INDEX endorsements_subject_issuer ON endorsements (subject_issuer_id, created_at);
CREATE UNIQUE INDEX endorsements_status ON endorsements (status_list_id, status_index) WHERE status_list_id <> '';

-- evidence_requirements: what an applicant must submit (a JSON list of
-- {"id", "label", "kind", "required", "description"}); Cairn's own, not
-- in the credential. items: what an application gave for each.
ALTER TABLE achievements ADD COLUMN evidence_requirements TEXT NOT NULL DEFAULT '[]';
ALTER TABLE applications ADD COLUMN items TEXT NOT NULL DEFAULT '[]';

-- The assessor role.
ALTER TABLE memberships DROP CONSTRAINT IF EXISTS memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('owner', 'issuer', 'assessor', 'viewer'));
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('owner', 'issuer', 'assessor', 'viewer'));
ALTER TABLE invitations DROP CONSTRAINT IF EXISTS invitations_role_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_role_check CHECK (role IN ('owner', 'issuer', 'assessor', 'viewer'));
ALTER TABLE sso_configs DROP CONSTRAINT IF EXISTS sso_configs_default_role_check;
ALTER TABLE sso_configs ADD CONSTRAINT sso_configs_default_role_check CHECK (default_role IN ('', 'owner', 'issuer', 'assessor', 'viewer'));
