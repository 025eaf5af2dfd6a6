-- An organization's default language (a BCP 47 tag Cairn speaks, or ''
-- for English): its pages, mails and certificates use it when the
-- reader's own choice is unknown.
ALTER TABLE organizations ADD COLUMN default_lang TEXT NOT NULL DEFAULT '';
