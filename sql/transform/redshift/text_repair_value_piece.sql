-- Redshift: {{piece_chars}} characters of one long text candidate (named by kind and MD5, from
-- text_repair_long_values.sql) from character {{from_char}} on, small enough for one row of a
-- Data API result (64 KB). SUBSTRING counts characters, so no piece splits one.
SELECT SUBSTRING(raw, {{from_char}}, {{piece_chars}}) AS piece
FROM etl_text_repairs
WHERE run_id = {{run_id}} AND kind = {{kind}} AND MD5(raw) = {{digest}};
