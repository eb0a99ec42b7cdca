-- etl_failed_runs: the run failed or was cancelled after it began staging; it writes nothing more.
-- Replaces the row an earlier attempt wrote. Time is UTC, 'YYYY-MM-DD HH:MM:SS.sss'.
DELETE FROM etl_failed_runs WHERE run_id = {{run_id}};
INSERT INTO etl_failed_runs (run_id, failed_at) VALUES ({{run_id}}, CAST({{failed_at}} AS TIMESTAMP));
