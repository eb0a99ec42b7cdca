-- etl_abandoned_runs: the run's workflow closed (terminated, timed out, ...) without recording its
-- outcome; a later run (found_by) asked Temporal and found it (src/ledger/abandonedRuns.ts), or an
-- operator stated it gone ({{reason}}, theirs). Replaces an earlier row for the run; a run found
-- unknown to Temporal before is no longer (etl_unknown_runs). Times are UTC.
DELETE FROM etl_abandoned_runs WHERE run_id = {{run_id}};
INSERT INTO etl_abandoned_runs (run_id, workflow_id, status, closed_at, found_at, found_by, reason)
VALUES ({{run_id}}, {{workflow_id}}, {{status}}, CAST({{closed_at}} AS TIMESTAMP), CAST({{found_at}} AS TIMESTAMP), {{found_by}}, {{reason}});
DELETE FROM etl_unknown_runs WHERE run_id = {{run_id}};
