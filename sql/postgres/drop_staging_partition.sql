-- drop_staging_partition (PostgreSQL): a detached partition of an expired run goes (no lock on
-- staging_events: it is no longer a partition of it).
DROP TABLE IF EXISTS {{ident:partition}};
