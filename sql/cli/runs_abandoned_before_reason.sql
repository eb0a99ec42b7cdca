-- `sparkify runs list`, on an etl_abandoned_runs an earlier release created (no reason column, which
-- the next run adds): as sql/cli/runs_abandoned.sql, the reason NULL (no operator stated one then).
SELECT run_id, workflow_id, status, CAST(closed_at AS VARCHAR) AS closed_at, CAST(found_at AS VARCHAR) AS found_at, found_by, NULL AS reason
FROM etl_abandoned_runs
WHERE run_id IN ({{run_ids}});
