-- Row counts of the staging tables for the run summary, this run's rows only ({{run_id}}), so rows
-- left by other runs (a killed attempt, or completed runs still within the staging retention) are
-- never counted as this run's. Read only when the run's reconciliation checks did not count them.
SELECT 'staging_events' AS table_name, COUNT(*) AS row_count FROM staging_events WHERE run_id = {{run_id}}
UNION ALL SELECT 'staging_songs', COUNT(*) FROM staging_songs WHERE run_id = {{run_id}};
