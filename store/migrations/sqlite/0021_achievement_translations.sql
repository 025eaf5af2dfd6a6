-- Achievement translations (issue 11, item 5): the achievement's name and
-- description in other languages, a JSON list of {"inLanguage", "name",
-- "description"}. Credentials carry them as OB 3.0 Related entries (an
-- alternate language edition, with its inLanguage, name and description).
-- Released migrations are never edited.
ALTER TABLE achievements ADD COLUMN translations TEXT NOT NULL DEFAULT '[]';
