-- expired_staging_partitions (PostgreSQL): the partitions of staging_events (one per run,
-- sql/schema/staging_events.sql) of the runs past the retention, as clear_staging_expired.sql
-- names them (ended at or before {{cutoff}}), whether still attached, detached or half-detached
-- (a DETACH … CONCURRENTLY interrupted). A partition is named for its run, in staging_events' own
-- schema.
SELECT c.relname AS partition,
       CASE WHEN i.inhrelid IS NULL THEN 'detached' WHEN i.inhdetachpending THEN 'detaching' ELSE 'attached' END AS state
FROM (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP)
      UNION SELECT run_id FROM etl_failed_runs WHERE failed_at <= CAST({{cutoff}} AS TIMESTAMP)) AS expired
JOIN pg_class c
  ON c.relname = {{staging_partition_name(expired.run_id)}}
 AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass('staging_events'))
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
ORDER BY c.relname;
