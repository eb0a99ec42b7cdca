-- Before staging events: drop what this run, or an earlier run for these same files, staged
-- (a retried attempt replaces its own rows), and the run's earlier event rejects.
DELETE FROM staging_events WHERE run_id = {{run_id}} OR source_key IN
  (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'events');
DELETE FROM etl_rejected_records WHERE run_id = {{run_id}} AND kind = 'events';
