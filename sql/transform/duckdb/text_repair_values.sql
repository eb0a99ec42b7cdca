-- DuckDB: the distinct free-text values of one run that text_candidates.sql put in
-- etl_text_repairs, in (kind, raw) order, for the worker to repair. One query, read a chunk at a
-- time (DuckDbWarehouse.queryChunks), so the worker holds one chunk of values, never all of them.
SELECT kind, raw
FROM etl_text_repairs
WHERE run_id = {{run_id}}
ORDER BY kind, raw;
