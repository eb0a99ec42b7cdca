-- `sparkify runs list`: the {{limit}} latest completed runs (etl_runs), newest first, with their
-- window and times (UTC text). Reads etl_runs only; a few rows per run, no join.
SELECT run_id, window_start, window_end, status, CAST(started_at AS VARCHAR) AS started_at, CAST(finished_at AS VARCHAR) AS finished_at
FROM etl_runs
ORDER BY finished_at DESC NULLS LAST, run_id
LIMIT {{limit}};
