-- The staging-delete rule of sql/staging/clear_staged.sql for staging_events (read it first: the
-- same rows go) on PostgreSQL, where staging_events has a partition per run and no index finds a
-- file's rows. Named by run ({{runs}}: this run and the completed runs that listed the same event
-- logs, runs_listing_same_event_logs.sql), the delete reads those runs' partitions only. Without the
-- list it read every retained run's for rows of logs most runs never listed: a night's staging in
-- the week after an 8M-event load read the load's whole partition (about 2.9 GB, 1.25 s). A run
-- that completes between the list and the delete keeps its rows of these logs until the
-- retention: space only.
DELETE FROM staging_events WHERE run_id IN ({{runs}}) AND (run_id = {{run_id}} OR (
  source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'events')
  AND run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed')));
