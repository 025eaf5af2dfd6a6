-- Placeholder for the migration 0012 another branch adds (branch h6 needs 0013
-- without a gap to run its tests). The integrator drops this file at merge.
SELECT 1;
