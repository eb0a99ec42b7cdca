-- clear_staged_events_expired: the staged events of the runs past the retention (ended at or before
-- {{cutoff}}), as clear_staging_expired.sql clears the rest of their staging, on the engines where
-- staging_events is one table (on PostgreSQL a partition per run: postgres/truncate_expired_staging.sql).
DELETE FROM staging_events
WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed' AND finished_at <= CAST({{cutoff}} AS TIMESTAMP)
                 UNION ALL SELECT run_id FROM etl_failed_runs WHERE failed_at <= CAST({{cutoff}} AS TIMESTAMP));
