-- etl_run_files: forgets a run's file list of the kinds a listing writes ('events', 'songs')
-- before it writes them again (a retried listing replaces its part whole; the other part's
-- listing may be running beside it).
DELETE FROM etl_run_files WHERE run_id = {{run_id}} AND kind IN ({{kinds}});
