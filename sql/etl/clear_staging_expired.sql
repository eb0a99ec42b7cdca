-- clear_staging_expired: staging rows belong to a run. Once a run is over and has been for the
-- retention (at or before {{cutoff}}, now minus the retention), its staging rows and per-file
-- counts go: a run recorded completed in etl_runs (published), or recorded failed in
-- etl_failed_runs (it stages nothing more; a terminated run too, by the next run). Runs recorded
-- neither way are kept: a run still going must find its rows. Staged events go beside these
-- (src/warehouse/stagingPartitions.ts): by etl/clear_staged_events_expired.sql, or on PostgreSQL,
-- where each run's are a partition of their own, by postgres/truncate_expired_staging.sql.
DELETE FROM staging_songs
WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP)
                 UNION ALL SELECT run_id FROM etl_failed_runs WHERE failed_at <= CAST({{cutoff}} AS TIMESTAMP));
DELETE FROM etl_file_counts
WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP)
                 UNION ALL SELECT run_id FROM etl_failed_runs WHERE failed_at <= CAST({{cutoff}} AS TIMESTAMP));
