-- Operations: every completed run, oldest first, with its summary (JSON text) for rows loaded and
-- why its report was not written (report_error, NULL when it was).
SELECT run_id, window_start, window_end, status, started_at, finished_at, summary, report_error
FROM etl_runs
ORDER BY started_at, run_id;
