-- etl_publishing_runs: the run's publish begins, before its first publish (src/activities/publishingRuns.ts).
-- Replaces the row an earlier attempt or run of the same id left. Time is UTC, 'YYYY-MM-DD HH:MM:SS.sss'.
DELETE FROM etl_publishing_runs WHERE run_id = {{run_id}};
INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ({{run_id}}, CAST({{started_at}} AS TIMESTAMP));
