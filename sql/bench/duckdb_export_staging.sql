-- Benchmark preparation (not timed): the DuckDB floor's staged rows written as CSV, so the
-- PostgreSQL floor COPYs exactly the same rows. Parameters: events_csv, songs_csv (file paths).
COPY staging_events TO {{events_csv}} (FORMAT csv, HEADER false);
COPY staging_songs TO {{songs_csv}} (FORMAT csv, HEADER false);
