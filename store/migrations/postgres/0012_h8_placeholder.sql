-- Placeholder in branch h8 only, so that 0015_learner_portfolio has no gap
-- before it: the integrator deletes it at merge (other branches hold 0012–0014).
SELECT 1;
