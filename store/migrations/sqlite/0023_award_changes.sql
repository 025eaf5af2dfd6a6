-- Changes to awards, for the caches of every process on the database
-- (store/watch.go; issue 8). Released migrations are never edited.

-- award_changes: each process reads the rows added since its last look,
-- a few times a second, and forgets what they name. A trigger adds a row
-- for every change to an award's row ('award'), whoever makes it; a
-- process storing rendered pages adds one per page ('page') with its own
-- name as origin, so that the others pick the page up. Rows are removed
-- after two minutes. changed_at is in the store's text form (sqliteTime).
CREATE TABLE award_changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	award_id   TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('award', 'page')),
	origin     TEXT NOT NULL DEFAULT '',
	changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))
);
CREATE INDEX award_changes_at ON award_changes (changed_at);

CREATE TRIGGER awards_changed AFTER UPDATE ON awards BEGIN
	INSERT INTO award_changes (award_id, kind) VALUES (NEW.id, 'award');
	INSERT INTO award_changes (award_id, kind) SELECT OLD.id, 'award' WHERE OLD.id <> NEW.id;
END;
CREATE TRIGGER awards_deleted AFTER DELETE ON awards BEGIN
	INSERT INTO award_changes (award_id, kind) VALUES (OLD.id, 'award');
END;
