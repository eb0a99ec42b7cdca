-- Row counts of the star tables, whole, for the run summary (the staging tables' rows of the run:
-- stats/staging_run_counts, or the run's passed reconciliation checks).
SELECT 'songplays' AS table_name, COUNT(*) AS row_count FROM songplays
UNION ALL SELECT 'users', COUNT(*) FROM users
UNION ALL SELECT 'songs', COUNT(*) FROM songs
UNION ALL SELECT 'artists', COUNT(*) FROM artists
UNION ALL SELECT 'time', COUNT(*) FROM time;
