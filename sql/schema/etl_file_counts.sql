-- etl_file_counts: records staged per source file where staging rows can't say their file:
-- a Redshift COPY of several files, counted from STL_LOAD_COMMITS / SYS_LOAD_DETAIL minus the
-- file's load errors. Empty on DuckDB and PostgreSQL; the ledger falls back to it (ledger/record.sql).
CREATE TABLE IF NOT EXISTS etl_file_counts (
  run_id     {{text}} NOT NULL,
  kind       {{text}} NOT NULL,
  source_key {{text}} NOT NULL,
  records    BIGINT
);
