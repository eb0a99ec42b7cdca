-- Operations: every completed run, oldest first, with its summary (JSON text) for rows loaded.
SELECT run_id, window_start, window_end, status, started_at, finished_at, summary
FROM etl_runs
ORDER BY started_at, run_id;
