-- Before staging songs: drop what this run, or an earlier run for these same files, staged
-- (a retried attempt replaces its own rows), and the run's earlier song rejects.
DELETE FROM staging_songs WHERE run_id = {{run_id}} OR source_key IN
  (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'songs');
DELETE FROM etl_rejected_records WHERE run_id = {{run_id}} AND kind = 'songs';
