-- etl_skipped_files: forgets what a run skipped before it is written again (a retried listing
-- replaces it whole).
DELETE FROM etl_skipped_files WHERE run_id = {{run_id}};
