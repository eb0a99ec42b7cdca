-- finalize_staging_partition (PostgreSQL): completes the detach of a partition whose
-- DETACH … CONCURRENTLY was interrupted (detach_staging_partition.sql: a lock timeout, a lost
-- connection), which PostgreSQL leaves half-detached until this runs.
ALTER TABLE staging_events DETACH PARTITION {{ident:partition}} FINALIZE;
