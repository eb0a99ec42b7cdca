-- The staging-delete rule of sql/staging/clear_staged.sql (read it first: the same rows go) on
-- PostgreSQL, where staging_events has a partition per run and no index finds a file's rows. Named
-- by run ({{runs}}: this run and the completed runs that listed the same files,
-- runs_listing_same_files.sql), the delete reads those runs' partitions only (in staging_songs,
-- by its index on run_id, those runs' rows). Without the list it read every retained run's, for
-- rows of files most runs never listed: a night's staging in the week after an 8M-event load read
-- the load's whole partition (about 2.9 GB). A run that completes between the list and the delete
-- keeps its rows of these files until the retention: space only.
DELETE FROM {{ident:table}} WHERE run_id IN ({{runs}}) AND (run_id = {{run_id}} OR (
  source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}})
  AND run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed')));
