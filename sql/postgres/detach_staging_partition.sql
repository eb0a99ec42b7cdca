-- detach_staging_partition (PostgreSQL): an emptied partition of an expired run leaves
-- staging_events (expired_staging_partitions.sql). CONCURRENTLY: it takes no lock another run's
-- statements wait for, and waits itself for the transactions that may still read the partition.
-- Outside any transaction block, as PostgreSQL requires.
ALTER TABLE staging_events DETACH PARTITION {{ident:partition}} CONCURRENTLY;
