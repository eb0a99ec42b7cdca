-- PostgreSQL, sparkify doctor: how the rows of each table of plays with a start-time index
-- (songplays_time, etl_songplay_names_time, etl_unmatched_plays_time) follow start_time in the
-- table's order, as its last ANALYZE measured it (pg_stats' correlation: 1 in order, about 0 when
-- a publish wrote its plays wrapped around), with the table's estimated rows. Only tables that have
-- the statistic are listed.
SELECT c.relname AS table_name, c.reltuples AS estimated_rows, s.correlation
FROM pg_class c
JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = 'start_time'
WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
  AND c.relname IN ('songplays', 'etl_songplay_names', 'etl_unmatched_plays')
ORDER BY c.relname;
