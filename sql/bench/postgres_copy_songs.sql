-- Benchmark floor, PostgreSQL: the staged song rows streamed in as typed CSV.
-- The CSV comes from duckdb_export_staging.sql, columns in staging_songs' order.
COPY staging_songs FROM STDIN (FORMAT csv)
