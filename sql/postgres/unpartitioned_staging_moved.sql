-- unpartitioned_staging_moved (PostgreSQL, createSchema, after sql/schema/staging_events.sql): the
-- rows of the staging_events a release before schema version 3 built (set aside by
-- unpartitioned_staging_aside.sql), each run's into a partition of its own, named as
-- attach_staging_partition.sql names it; then the old table goes. Once, in the transaction that
-- records schema version 3: a week of nightly runs' rows by default (the retention). Inside the
-- block no semicolon ends a line: the file is split into statements at those that do.
DO $moved$ DECLARE staged_run text; BEGIN
  IF to_regclass('staging_events_unpartitioned') IS NOT NULL THEN
    FOR staged_run IN SELECT DISTINCT run_id FROM staging_events_unpartitioned ORDER BY 1 LOOP
      EXECUTE format('CREATE TABLE %I (LIKE staging_events)', {{staging_partition_name(staged_run)}}); EXECUTE format('ALTER TABLE staging_events ATTACH PARTITION %I FOR VALUES IN (%L)', {{staging_partition_name(staged_run)}}, staged_run); END LOOP; INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
    SELECT run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid
    FROM staging_events_unpartitioned; DROP TABLE staging_events_unpartitioned; END IF; END
$moved$;
