-- createSchema, on a warehouse whose etl_runs an earlier release created without report_error
-- (sql/catalog/table_columns.sql tells): adds it, and marks the runs already there with '' (not
-- recorded: whether their report was written is unknown), so that readers do not show them as
-- written, which NULL means. Redshift has no ADD COLUMN IF NOT EXISTS, hence the check before.
ALTER TABLE etl_runs ADD COLUMN report_error {{text}};
UPDATE etl_runs SET report_error = '';
