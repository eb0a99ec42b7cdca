-- etl_unknown_runs: what is kept of {{run_ids}}, runs Temporal did not know: first found when and by
-- which run, last found, how many times. Times are UTC text.
SELECT run_id, CAST(first_found_at AS VARCHAR) AS first_found_at, first_found_by,
       CAST(last_found_at AS VARCHAR) AS last_found_at, times_found
FROM etl_unknown_runs
WHERE run_id IN ({{run_ids}})
ORDER BY first_found_at, run_id;
