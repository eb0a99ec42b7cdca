-- Redshift: one page of the run's text candidates longer than {{max_raw_bytes}} bytes, named by
-- kind and the MD5 of the value, with its length in characters, so the worker can read each one
-- in pieces (text_repair_value_piece.sql); the next {{page_rows}} after (after_kind,
-- after_digest), or the first page when after_kind is NULL.
SELECT kind, digest, chars
FROM (
  SELECT kind, MD5(raw) AS digest, LEN(raw) AS chars
  FROM etl_text_repairs
  WHERE run_id = {{run_id}} AND OCTET_LENGTH(raw) > {{max_raw_bytes}}
) AS long_values
WHERE {{after_kind}} IS NULL OR kind > {{after_kind}} OR (kind = {{after_kind}} AND digest > {{after_digest}})
ORDER BY kind, digest
LIMIT {{page_rows}};
