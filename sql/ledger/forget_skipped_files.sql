-- etl_skipped_files: forgets what a run skipped, of the kinds a listing writes ('events', 'songs',
-- 'other'), before it writes them again (a retried listing replaces its part whole; the other
-- part's listing may be running beside it).
DELETE FROM etl_skipped_files WHERE run_id = {{run_id}} AND kind IN ({{kinds}});
