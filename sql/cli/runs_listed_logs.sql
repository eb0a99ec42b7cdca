-- `sparkify runs list`: the event logs each of {{run_ids}} listed (etl_run_files), first and last key
-- and how many, which give the dates of a run with no window recorded. A row per listed file.
SELECT run_id, MIN(source_key) AS first_key, MAX(source_key) AS last_key, COUNT(*) AS logs
FROM etl_run_files
WHERE kind = 'events' AND run_id IN ({{run_ids}})
GROUP BY run_id;
