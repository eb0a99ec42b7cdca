-- etl_load_ledger: of the given song files (one batch of a listing), those loaded by a run that
-- completed, with the ETag they had and the rules version they were loaded under (0 where
-- etl_run_rules has no row for the ledger row's run: an older release loaded it). A file whose run
-- published and then failed (a quality check, a crash before the summary) is not loaded: the next
-- run stages it again.
SELECT l.source_key, l.etag, COALESCE(v.rules_version, 0) AS rules_version
FROM etl_load_ledger l
JOIN etl_runs r ON r.run_id = l.run_id
LEFT JOIN etl_run_rules v ON v.run_id = l.run_id
WHERE l.kind = 'songs' AND r.status = 'completed' AND l.source_key IN ({{keys}});
