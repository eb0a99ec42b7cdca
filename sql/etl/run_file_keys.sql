-- The source keys a run listed for one kind ('events' or 'songs'), in key order: exactly the files
-- its staging loads (etl_run_files is written by listSourceFiles).
SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}} ORDER BY source_key;
