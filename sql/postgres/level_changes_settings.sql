-- PostgreSQL: what insights/revenue_level_changes.sql runs after, on top of report_settings.sql.
-- Its few users tied before the window (two levels at their last ts there, usually none) are
-- estimated at a row or two, and for them PostgreSQL planned nested loops whose inner side it ran
-- again for every event at a tied ts, rows that grow with the ties. Hashed instead: every join of
-- the query is on equal keys, and no other plan of it used a nested loop (test/plans.test.ts).
SET LOCAL enable_nestloop = off;
