-- createSchema and `sparkify runs cleanup`, on a warehouse whose etl_abandoned_runs an earlier
-- release created without reason (sql/catalog/table_columns.sql tells): adds it. Existing rows
-- keep NULL (no operator's reason: Temporal reported them). Redshift has no ADD COLUMN IF NOT EXISTS.
ALTER TABLE etl_abandoned_runs ADD COLUMN reason {{text}};
