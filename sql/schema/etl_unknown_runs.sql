-- etl_unknown_runs: one row per run with no recorded outcome that Temporal did not know when a later
-- run asked (closed past the namespace's retention, run on another server or namespace, an embedded
-- run killed): when and by which run first found, when last, how many times (src/ledger/unknownRuns.ts).
-- Informs only: nothing the pipeline computes reads it. A row goes once its run has an outcome
-- (sql/etl/forget_recorded_unknown_runs.sql, sql/etl/record_abandoned_run.sql).
CREATE TABLE IF NOT EXISTS etl_unknown_runs (
  run_id         {{text}} NOT NULL,
  first_found_at TIMESTAMP NOT NULL,
  first_found_by {{text}} NOT NULL,
  last_found_at  TIMESTAMP NOT NULL,
  times_found    INTEGER NOT NULL
);
