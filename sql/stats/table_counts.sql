-- Row counts for the run summary: the star tables whole, the staging tables for this run only
-- ({{run_id}}), so rows left by other runs (a killed attempt, or completed runs still within the
-- staging retention) are never counted as this run's.
SELECT 'staging_events' AS table_name, COUNT(*) AS row_count FROM staging_events WHERE run_id = {{run_id}}
UNION ALL SELECT 'staging_songs', COUNT(*) FROM staging_songs WHERE run_id = {{run_id}}
UNION ALL SELECT 'songplays', COUNT(*) FROM songplays
UNION ALL SELECT 'users', COUNT(*) FROM users
UNION ALL SELECT 'songs', COUNT(*) FROM songs
UNION ALL SELECT 'artists', COUNT(*) FROM artists
UNION ALL SELECT 'time', COUNT(*) FROM time;
