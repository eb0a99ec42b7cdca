-- One page of the distinct free-text values of one run that text_candidates.sql put in
-- etl_text_repairs, for the worker to repair: the next {{page_rows}} after (after_kind, after_raw)
-- in (kind, raw) order, or the first page when after_kind is NULL. Paged so the worker holds one
-- page of names, titles, places and user agents at a time, never all of them.
SELECT kind, raw
FROM etl_text_repairs
WHERE run_id = {{run_id}}
  AND ({{after_kind}} IS NULL OR kind > {{after_kind}} OR (kind = {{after_kind}} AND raw > {{after_raw}}))
ORDER BY kind, raw
LIMIT {{page_rows}};
