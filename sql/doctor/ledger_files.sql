-- sparkify doctor: rules_versions.sql for a warehouse without etl_run_rules (no run of a release
-- recording rules versions has upgraded it): every file it loaded is of rules version 0.
SELECT l.kind, 0 AS rules_version, COUNT(*) AS files, MIN(l.source_key) AS first_key, MAX(l.source_key) AS last_key
FROM etl_load_ledger l
JOIN etl_runs r ON r.run_id = l.run_id
WHERE r.status = 'completed'
GROUP BY l.kind;
