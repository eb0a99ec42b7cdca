-- Operations, on an etl_runs an earlier release created (no report_error, which the next run adds):
-- every completed run, oldest first, with its summary (JSON text); whether its report was written is
-- not recorded. sql/insights/operations_runs.sql otherwise.
SELECT run_id, window_start, window_end, status, started_at, finished_at, summary
FROM etl_runs
ORDER BY started_at, run_id;
