-- etl_abandoned_runs: the run's workflow closed (terminated, timed out, ...) without recording its
-- outcome; a later run (found_by) asked Temporal and found it (src/ledger/abandonedRuns.ts).
-- Replaces an earlier row for the run. Times are UTC.
DELETE FROM etl_abandoned_runs WHERE run_id = {{run_id}};
INSERT INTO etl_abandoned_runs (run_id, workflow_id, status, closed_at, found_at, found_by)
VALUES ({{run_id}}, {{workflow_id}}, {{status}}, CAST({{closed_at}} AS TIMESTAMP), CAST({{found_at}} AS TIMESTAMP), {{found_by}});
