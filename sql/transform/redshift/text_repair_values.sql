-- Redshift's page of text candidates: as transform/text_repair_values.sql, but only the values of
-- at most {{max_raw_bytes}} bytes. The Data API returns at most 64 KB per result row, and the
-- page's last value goes into the next page's SQL, which may hold 100 KB; longer values are read
-- in pieces (text_repair_long_values.sql, text_repair_value_piece.sql).
SELECT kind, raw
FROM etl_text_repairs
WHERE run_id = {{run_id}}
  AND OCTET_LENGTH(raw) <= {{max_raw_bytes}}
  AND ({{after_kind}} IS NULL OR kind > {{after_kind}} OR (kind = {{after_kind}} AND raw > {{after_raw}}))
ORDER BY kind, raw
LIMIT {{page_rows}};
