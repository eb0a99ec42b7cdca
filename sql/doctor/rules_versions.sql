-- sparkify doctor: the files runs that completed loaded, by kind and the rules version they were
-- loaded under (0 where etl_run_rules has no row for the ledger row's run), with the first and last
-- key of each (event logs' keys sort by date).
SELECT l.kind, COALESCE(v.rules_version, 0) AS rules_version, COUNT(*) AS files, MIN(l.source_key) AS first_key, MAX(l.source_key) AS last_key
FROM etl_load_ledger l
JOIN etl_runs r ON r.run_id = l.run_id
LEFT JOIN etl_run_rules v ON v.run_id = l.run_id
WHERE r.status = 'completed'
GROUP BY l.kind, COALESCE(v.rules_version, 0);
