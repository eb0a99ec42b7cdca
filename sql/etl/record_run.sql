-- etl_runs: one row per completed run, its window, source, times and the whole summary as JSON.
-- Replaces the row an earlier attempt of the same run wrote. Times are UTC, 'YYYY-MM-DD HH:MM:SS.sss'.
DELETE FROM etl_runs WHERE run_id = {{run_id}};
INSERT INTO etl_runs (run_id, window_start, window_end, source, status, started_at, finished_at, summary)
VALUES ({{run_id}}, {{window_start}}, {{window_end}}, {{source}}, 'completed',
        CAST({{started_at}} AS TIMESTAMP), CAST({{finished_at}} AS TIMESTAMP), {{summary}});
