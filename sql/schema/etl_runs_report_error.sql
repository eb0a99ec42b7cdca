-- createSchema, on a warehouse whose etl_runs an earlier release created without report_error
-- (sql/etl/etl_runs_columns.sql tells): adds it. Existing runs keep NULL (no report error known).
-- Redshift has no ADD COLUMN IF NOT EXISTS, hence the check before.
ALTER TABLE etl_runs ADD COLUMN report_error {{text}};
