-- Placeholder held by branch h1 only: version 19 belongs to another engineer's
-- migration, not yet on main. Delete this file when that 0019 is merged; the
-- migration list refuses two 0019 files, so a merge that keeps both fails loudly.
SELECT 1;
