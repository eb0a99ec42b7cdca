-- DuckDB: the distinct free-text values of one run that text_candidates.sql put in
-- etl_text_repairs, in (kind, raw) order, for the worker to repair. One query, read a chunk at a
-- time (DuckDbWarehouse.queryChunks), so the worker holds one chunk of values, never all of them.
-- A chunk is 2,048 rows whatever their width, so a value longer than {{max_raw_bytes}} bytes comes
-- as consecutive pieces of {{piece_chars}} characters (a character is at most 4 bytes), a row each,
-- which the worker joins: no row carries more than {{max_raw_bytes}} bytes, and every value is read
-- in this one pass, however many long values there are. The values are numbered in (kind, raw)
-- order first and the rows sorted by that number, so no sort carries a long value once per piece.
WITH numbered AS (
  SELECT kind, raw, strlen(raw) > {{max_raw_bytes}} AS is_long,
         CASE WHEN strlen(raw) > {{max_raw_bytes}} THEN CAST(ceil(length(raw) / {{piece_chars}}) AS BIGINT) ELSE 1 END AS piece_count,
         row_number() OVER (ORDER BY kind, raw) AS value_no
  FROM etl_text_repairs
  WHERE run_id = {{run_id}}
),
pieces AS (
  SELECT kind, raw, is_long, value_no, piece_count, unnest(range(0, piece_count)) AS piece_no
  FROM numbered
)
SELECT kind, value_no, piece_no, piece_count,
       CASE WHEN is_long THEN substring(raw, piece_no * {{piece_chars}} + 1, {{piece_chars}}) ELSE raw END AS piece
FROM pieces
ORDER BY value_no, piece_no;
