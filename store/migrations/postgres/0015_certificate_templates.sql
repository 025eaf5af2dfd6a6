-- PDF certificate designs (issue 10, item 6), one per achievement that has
-- one: the layout, the title, two colours (#rrggbb, '' for the defaults),
-- the signature image (an image of the organization, '' for none) and the
-- signatory. Released migrations are never edited.
CREATE TABLE certificate_templates (
	achievement_id     TEXT PRIMARY KEY REFERENCES achievements (id) ON DELETE CASCADE,
	org_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	layout             TEXT NOT NULL,
	title              TEXT NOT NULL,
	primary_color      TEXT NOT NULL,
	accent_color       TEXT NOT NULL,
	signature_image_id TEXT NOT NULL,
	signatory_name     TEXT NOT NULL,
	signatory_title    TEXT NOT NULL,
	updated_at         TIMESTAMPTZ NOT NULL
);
