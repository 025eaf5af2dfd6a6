-- Changes to awards, for the caches of every process on the database
-- (store/watch.go; issue 8). Released migrations are never edited.

-- award_changes: each process reads the rows added since its last look,
-- a few times a second, and forgets what they name. A trigger adds a row
-- for every change to an award's row ('award'), whoever makes it; a
-- process storing rendered pages adds one per page ('page') with its own
-- name as origin, so that the others pick the page up. Rows are removed
-- after two minutes. xid is the adding transaction: sequence numbers are
-- taken before commit, so they do not come in commit order; a reader
-- reads the rows its last look's snapshot did not see and its new one does
-- (pg_visible_in_snapshot).
CREATE TABLE award_changes (
	seq        BIGSERIAL PRIMARY KEY,
	award_id   TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('award', 'page')),
	origin     TEXT NOT NULL DEFAULT '',
	xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
	changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX award_changes_xid ON award_changes (xid);
CREATE INDEX award_changes_at ON award_changes (changed_at);

CREATE FUNCTION cairn_award_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO award_changes (award_id, kind) VALUES (OLD.id, 'award');
	ELSE
		INSERT INTO award_changes (award_id, kind) VALUES (NEW.id, 'award');
		IF OLD.id <> NEW.id THEN
			INSERT INTO award_changes (award_id, kind) VALUES (OLD.id, 'award');
		END IF;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER awards_changed AFTER UPDATE OR DELETE ON awards
	FOR EACH ROW EXECUTE FUNCTION cairn_award_changed();
