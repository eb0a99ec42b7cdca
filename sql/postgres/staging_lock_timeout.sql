-- staging_lock_timeout (PostgreSQL): how long dropping an expired run's partition waits for the
-- transactions that still read staging_events (detach_staging_partition.sql), in milliseconds, on
-- its own session: a partition that cannot go now goes with a later run's record.
SET lock_timeout = {{lock_timeout_ms}};
