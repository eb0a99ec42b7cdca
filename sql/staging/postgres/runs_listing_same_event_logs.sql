-- The completed runs that listed an event log this run lists: besides this run, the only runs whose
-- partitions of staging_events the staging-delete rule can delete rows from (a run stages exactly
-- the files it listed), so on PostgreSQL the rule reads theirs alone (clear_staged_in_runs.sql).
-- The file lists' event logs are read once, into a small table: most of etl_run_files is song
-- files, which a nested loop over it read again for every log (92 ms after an 8M-event load).
WITH event_logs AS MATERIALIZED (
  SELECT run_id, source_key FROM etl_run_files WHERE kind = 'events'
)
SELECT DISTINCT f.run_id
FROM event_logs f
JOIN etl_runs r ON r.run_id = f.run_id AND r.status = 'completed'
WHERE f.run_id <> {{run_id}}
  AND f.source_key IN (SELECT source_key FROM event_logs WHERE run_id = {{run_id}})
ORDER BY f.run_id;
