-- etl_abandoned_runs: one row per run whose workflow closed without recording its outcome
-- (terminated, timed out, or failed without its record), as Temporal reported it to a later run
-- (src/ledger/abandonedRuns.ts). That run is also recorded in etl_failed_runs, as of its close.
CREATE TABLE IF NOT EXISTS etl_abandoned_runs (
  run_id      {{text}} NOT NULL,
  workflow_id {{text}} NOT NULL,
  status      {{text}} NOT NULL,
  closed_at   TIMESTAMP,
  found_at    TIMESTAMP,
  found_by    {{text}}
);
