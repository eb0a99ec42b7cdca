-- Redshift's page of text candidates: as transform/text_repair_values.sql (at most {{page_rows}}
-- values, none past the one that brings the page to {{page_bytes}} bytes), but only the values of
-- at most {{max_raw_bytes}} bytes. The Data API returns at most 64 KB per result row, and the
-- page's last value goes into the next page's SQL, which may hold 100 KB; longer values are read
-- in pieces (text_repair_long_values.sql, text_repair_value_piece.sql).
SELECT kind, raw, bytes_through
FROM (
  SELECT kind, raw, SUM(OCTET_LENGTH(raw)) OVER (ORDER BY kind, raw ROWS UNBOUNDED PRECEDING) AS bytes_through
  FROM (
    SELECT kind, raw
    FROM etl_text_repairs
    WHERE run_id = {{run_id}}
      AND OCTET_LENGTH(raw) <= {{max_raw_bytes}}
      AND ({{after_kind}} IS NULL OR kind > {{after_kind}} OR (kind = {{after_kind}} AND raw > {{after_raw}}))
    ORDER BY kind, raw
    LIMIT {{page_rows}}
  ) AS next_values
) AS counted
WHERE bytes_through - OCTET_LENGTH(raw) < {{page_bytes}}
ORDER BY kind, raw;
