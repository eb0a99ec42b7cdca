-- truncate_expired_staging (PostgreSQL): clear_staging_expired.sql's delete of staging_events rows,
-- by partition: the partition of each run past the retention (ended at or before {{cutoff}}) is
-- emptied in the run record's transaction, so a reader of all staging (the report's level
-- changes) sees the expired runs' rows go at once, as the delete made them go. TRUNCATE writes no
-- row to the WAL and leaves nothing for VACUUM; it locks that partition only, which no other run
-- reads by its own rows (a statement over every partition, as another run's staging delete
-- (staging/clear_staged.sql) or report's level changes, holds it up until its transaction ends).
-- The emptied partitions are detached and dropped after the commit (src/warehouse/stagingPartitions.ts).
-- Inside the block no semicolon ends a line: the file is split into statements at those that do.
DO $truncate$ DECLARE expired regclass; BEGIN
  FOR expired IN
    SELECT i.inhrelid::regclass
    FROM (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP)
          UNION SELECT run_id FROM etl_failed_runs WHERE failed_at <= CAST({{cutoff}} AS TIMESTAMP)) AS runs
    JOIN pg_inherits i ON i.inhparent = to_regclass('staging_events') AND i.inhrelid = to_regclass({{staging_partition_name(runs.run_id)}})
    ORDER BY 1
  LOOP EXECUTE format('TRUNCATE %s', expired); END LOOP; END
$truncate$;
