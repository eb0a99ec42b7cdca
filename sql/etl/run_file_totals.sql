-- How many files a run listed for one kind, and their bytes (what a server-side COPY reports as read).
SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}};
