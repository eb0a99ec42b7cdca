-- Benchmark floor, PostgreSQL: the staged event rows streamed in as typed CSV (the fastest way in).
-- The CSV comes from duckdb_export_staging.sql, columns in staging_events' order.
COPY staging_events FROM STDIN (FORMAT csv)
