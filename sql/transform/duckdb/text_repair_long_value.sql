-- DuckDB: one text candidate of a run longer than text_repair_values.sql streams whole, named by its
-- kind, its length in bytes ({{raw_bytes}}) and its MD5, read whole: one value of at most a line's
-- length. The length (DuckDB keeps it with the string) narrows the MD5s computed to the values as
-- long as this one, so reading every long value does not hash them all each time.
SELECT raw
FROM etl_text_repairs
WHERE run_id = {{run_id}} AND kind = {{kind}} AND strlen(raw) = {{raw_bytes}} AND md5(raw) = {{digest}};
