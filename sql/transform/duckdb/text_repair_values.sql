-- DuckDB: the distinct free-text values of one run that text_candidates.sql put in
-- etl_text_repairs, in (kind, raw) order, for the worker to repair. One query, read a chunk at a
-- time (DuckDbWarehouse.queryChunks), so the worker holds one chunk of values, never all of them.
-- A chunk is 2,048 rows whatever their width, so values longer than {{max_raw_bytes}} bytes come
-- as their length in bytes and MD5 only and are read one at a time (text_repair_long_value.sql).
SELECT t.kind,
       CASE WHEN strlen(t.raw) <= {{max_raw_bytes}} THEN t.raw END AS raw,
       CASE WHEN strlen(t.raw) > {{max_raw_bytes}} THEN strlen(t.raw) END AS raw_bytes,
       CASE WHEN strlen(t.raw) > {{max_raw_bytes}} THEN md5(t.raw) END AS digest
FROM etl_text_repairs AS t
WHERE t.run_id = {{run_id}}
-- t.raw: the value itself (the output column raw is NULL for the long ones)
ORDER BY t.kind, t.raw;
