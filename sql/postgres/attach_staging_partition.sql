-- attach_staging_partition (PostgreSQL): the run's own partition of staging_events
-- ({{ident:partition}}, for run_id {{run_id}}; sql/schema/staging_events.sql), made before its
-- staging transaction, in a short one of its own that first takes the run's key lock
-- (postgres/key_lock), so two attempts of one run never both create it. Created as a table of its
-- own and then attached: ATTACH PARTITION takes staging_events' SHARE UPDATE EXCLUSIVE lock, which
-- no reader or writer of another run's rows waits for, where CREATE TABLE … PARTITION OF takes
-- its ACCESS EXCLUSIVE lock, which waits for every statement reading staging and holds up every
-- one after it. Safe to run again: a retried attempt finds its partition attached.
-- Inside the block no semicolon ends a line: the file is split into statements at those that do.
-- A staging_events still of one table (schema version 2: a run begun under the release before,
-- whose createSchema ran then, and no run's since) gets no partition: the run stages into it, and
-- the next createSchema moves its rows into one (unpartitioned_staging_moved.sql).
DO $attach$ BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('staging_events')) = 'p' THEN
    CREATE TABLE IF NOT EXISTS {{ident:partition}} (LIKE staging_events); IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass({{partition}})) THEN
      ALTER TABLE staging_events ATTACH PARTITION {{ident:partition}} FOR VALUES IN ({{run_id}}); END IF; END IF; END
$attach$;
