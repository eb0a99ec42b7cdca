-- The bytes of the files a run listed for one kind: what a server-side COPY reports as read.
SELECT COALESCE(SUM(size), 0) AS bytes FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}};
