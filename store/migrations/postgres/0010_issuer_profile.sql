-- Issuer profiles as an institution sets them up (issue 11): a phone
-- number, a LinkedIn company id and a postal address (JSON of
-- cairn.Address, '' for none). Released migrations are never edited.
ALTER TABLE issuers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE issuers ADD COLUMN linkedin_org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE issuers ADD COLUMN address TEXT NOT NULL DEFAULT '';
