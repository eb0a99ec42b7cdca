-- DuckDB: one text candidate of a run longer than {{max_raw_bytes}} bytes, named by its kind and
-- MD5 (from text_repair_values.sql), read whole: one value of at most a line's length.
SELECT raw
FROM etl_text_repairs
WHERE run_id = {{run_id}} AND kind = {{kind}} AND strlen(raw) > {{max_raw_bytes}} AND md5(raw) = {{digest}};
