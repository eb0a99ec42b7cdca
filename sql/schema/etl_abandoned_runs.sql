-- etl_abandoned_runs: one row per run whose workflow closed without recording its outcome
-- (terminated, timed out, or failed without its record), as Temporal reported it to a later run
-- (src/ledger/abandonedRuns.ts), or one Temporal did not know that an operator stated gone
-- (`sparkify runs cleanup --abandon`, src/ledger/abandonRun.ts: status 'abandoned', workflow_id ''
-- and closed_at NULL, unknown; reason, theirs). That run is also recorded in etl_failed_runs, as of
-- its close (or of the statement). A warehouse of an earlier release gets reason from
-- sql/schema/etl_abandoned_runs_reason.sql.
CREATE TABLE IF NOT EXISTS etl_abandoned_runs (
  run_id      {{text}} NOT NULL,
  workflow_id {{text}} NOT NULL,
  status      {{text}} NOT NULL,
  closed_at   TIMESTAMP,
  found_at    TIMESTAMP,
  found_by    {{text}},
  reason      {{text}}
);
