-- `sparkify runs cleanup --abandon`: the outcome recorded for {{run_id}}, if any: completed (or as
-- etl_runs says) at its finish, or failed at its failure. Times are UTC text.
SELECT 'etl_runs' AS recorded_in, status, CAST(finished_at AS VARCHAR) AS recorded_at FROM etl_runs WHERE run_id = {{run_id}}
UNION ALL
SELECT 'etl_failed_runs' AS recorded_in, 'failed' AS status, CAST(failed_at AS VARCHAR) AS recorded_at FROM etl_failed_runs WHERE run_id = {{run_id}};
