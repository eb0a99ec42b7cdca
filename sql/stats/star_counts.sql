-- Row counts of the star tables, whole, for the run summary: stats/table_counts without the staging
-- tables, whose rows of the run the run's passed reconciliation checks already counted (read minus
-- rejected), so they are not read again.
SELECT 'songplays' AS table_name, COUNT(*) AS row_count FROM songplays
UNION ALL SELECT 'users', COUNT(*) FROM users
UNION ALL SELECT 'songs', COUNT(*) FROM songs
UNION ALL SELECT 'artists', COUNT(*) FROM artists
UNION ALL SELECT 'time', COUNT(*) FROM time;
