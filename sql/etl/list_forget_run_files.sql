-- etl_run_files: forgets the file list of a run before it is written again (a retried listing
-- replaces it whole).
DELETE FROM etl_run_files WHERE run_id = {{run_id}};
