-- clear_staging_expired: staging rows belong to a run. Once a run is published and recorded
-- completed in etl_runs, and finished at or before {{cutoff}} (now minus the retention), its
-- staging rows and per-file counts go. Runs never recorded (still running, or killed) are kept.
DELETE FROM staging_events
WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP));
DELETE FROM staging_songs
WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP));
DELETE FROM etl_file_counts
WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP));
