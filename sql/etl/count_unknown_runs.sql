-- etl_unknown_runs: Temporal did not know {{run_ids}} again, as {{found_at}} (UTC) asked; the runs
-- found so for the first time are added after this (sql/etl/record_unknown_runs.sql).
UPDATE etl_unknown_runs
SET last_found_at = CAST({{found_at}} AS TIMESTAMP), times_found = times_found + 1
WHERE run_id IN ({{run_ids}});
