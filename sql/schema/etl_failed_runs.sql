-- etl_failed_runs: one row per run that failed or was cancelled once it had staged, and when
-- (sql/etl/record_failed_run.sql, from the run's own failure path in src/workflows/etl.ts). Such a
-- run stages and publishes nothing more: its staging rows go with the retention like those of a
-- completed run (sql/etl/clear_staging_expired.sql). A terminated or timed-out run writes no row;
-- the next run writes it, as of the run's close (src/ledger/abandonedRuns.ts).
CREATE TABLE IF NOT EXISTS etl_failed_runs (
  run_id    {{text}} NOT NULL,
  failed_at TIMESTAMP
);
