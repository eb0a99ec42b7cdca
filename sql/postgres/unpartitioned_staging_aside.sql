-- unpartitioned_staging_aside (PostgreSQL, createSchema, under the schema lock): a staging_events
-- that a release before schema version 3 built, one table for every run's rows, is renamed
-- staging_events_unpartitioned, so that sql/schema/staging_events.sql creates the partitioned
-- one in its place; unpartitioned_staging_moved.sql then moves its rows. Nothing to do on a
-- warehouse without it, or where staging_events is partitioned already.
-- Inside the block no semicolon ends a line: the file is split into statements at those that do.
DO $aside$ BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('staging_events')) = 'r' THEN
    ALTER TABLE staging_events RENAME TO staging_events_unpartitioned; DROP INDEX IF EXISTS staging_events_run; END IF; END
$aside$;
