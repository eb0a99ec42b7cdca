-- One page of the distinct free-text values of one run that text_candidates.sql put in
-- etl_text_repairs, for the worker to repair: the values after (after_kind, after_raw) in
-- (kind, raw) order, or from the first when after_kind is NULL; at most {{page_rows}} of them, and
-- none past the one that brings the page to {{page_bytes}} bytes. Paged so the worker holds one
-- page of names, titles, places and user agents at a time, never all of them, however long they are.
-- bytes_through, the page's bytes up to and with each value, tells the worker whether a page that
-- ended short of {{page_rows}} was cut by its bytes or is the last.
-- On Redshift, {{max_raw_bytes}} keeps to the values read whole. The Data API returns at most 64 KB
-- per result row, and the page's last value goes into the next page's SQL, which may hold 100 KB;
-- longer values are read in pieces (redshift/text_repair_long_values.sql,
-- redshift/text_repair_value_piece.sql). NULL elsewhere: every value.
SELECT kind, raw, bytes_through
FROM (
  SELECT kind, raw, SUM(OCTET_LENGTH(raw)) OVER (ORDER BY kind, raw ROWS UNBOUNDED PRECEDING) AS bytes_through
  FROM (
    SELECT kind, raw
    FROM etl_text_repairs
    WHERE run_id = {{run_id}}
      AND ({{max_raw_bytes}} IS NULL OR OCTET_LENGTH(raw) <= {{max_raw_bytes}})
      AND ({{after_kind}} IS NULL OR kind > {{after_kind}} OR (kind = {{after_kind}} AND raw > {{after_raw}}))
    ORDER BY kind, raw
    LIMIT {{page_rows}}
  ) AS next_values
) AS counted
WHERE bytes_through - OCTET_LENGTH(raw) < {{page_bytes}}
ORDER BY kind, raw;
