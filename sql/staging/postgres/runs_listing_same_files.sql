-- The completed runs that listed a file of {{kind}} this run lists: besides this run, the only runs
-- whose staged rows the staging-delete rule can delete (a run stages exactly the files it listed),
-- so on PostgreSQL the rule reads only their partitions (clear_staged_in_runs.sql).
SELECT DISTINCT f.run_id
FROM etl_run_files f
JOIN etl_runs r ON r.run_id = f.run_id AND r.status = 'completed'
WHERE f.kind = {{kind}} AND f.run_id <> {{run_id}}
  AND f.source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}})
ORDER BY f.run_id;
