-- What the warehouse records about the releases that built it (src/etl/versions.ts).

-- etl_schema_version: one row, the version of the tables the newest release that ran createSchema
-- here knows (sql/etl/record_schema_version.sql). An older release refuses the warehouse.
CREATE TABLE IF NOT EXISTS etl_schema_version (
  schema_version INTEGER NOT NULL,
  recorded_at    TIMESTAMP
);

-- etl_load_rules: the rules version each file of etl_load_ledger was loaded under, with the ledger
-- row's run. Written beside the ledger (sql/ledger/record.sql); a ledger row without one here (an
-- older release loaded it, or loaded it again since) was loaded under rules version 0.
CREATE TABLE IF NOT EXISTS etl_load_rules (
  kind          {{text}} NOT NULL,
  source_key    {{text}} NOT NULL,
  run_id        {{text}} NOT NULL,
  rules_version INTEGER NOT NULL
);
