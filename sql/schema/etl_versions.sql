-- What the warehouse records about the releases that built it (src/etl/versions.ts).

-- etl_schema_version: one row, the version of the tables the newest release that ran createSchema
-- here knows (sql/etl/record_schema_version.sql). An older release refuses the warehouse.
CREATE TABLE IF NOT EXISTS etl_schema_version (
  schema_version INTEGER NOT NULL,
  recorded_at    TIMESTAMP
);

-- etl_run_rules: one row per completed run, the rules version it loaded its files under: that of
-- each etl_load_ledger row of the run. Written by the run summary with the run's completion
-- (sql/etl/record_run_rules.sql): the ledger counts a run's files only once it completed. A ledger
-- row whose run has none here (an older release ran it) was loaded under rules version 0.
CREATE TABLE IF NOT EXISTS etl_run_rules (
  run_id        {{text}} NOT NULL,
  rules_version INTEGER NOT NULL
);
