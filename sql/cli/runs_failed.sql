-- `sparkify runs list`: the {{limit}} latest runs recorded failed (etl_failed_runs: by their own
-- failure path, or as abandoned: sql/cli/runs_abandoned.sql says which), newest first. UTC text.
SELECT run_id, CAST(failed_at AS VARCHAR) AS failed_at
FROM etl_failed_runs
ORDER BY failed_at DESC NULLS LAST, run_id
LIMIT {{limit}};
