-- Direct staging: the batch's lines (etl_direct_lines) that the typed stage left, found by file and line, into
-- etl_raw_lines, where the checked SQL (extract_*, check_*, insert_*) stages or rejects them with a
-- reason. Only the batch's own key range of staging is read (first_key..last_key), which
-- DuckDB's zone maps narrow to the batch's row groups.
INSERT INTO etl_raw_lines (source_key, source_line, raw, problem)
SELECT l.source_key, l.source_line, l.raw, l.problem
FROM etl_direct_lines AS l
WHERE NOT EXISTS (
  SELECT 1 FROM {{ident:table}} AS s
  WHERE s.run_id = {{run_id}} AND s.source_key >= {{first_key}} AND s.source_key <= {{last_key}}
    AND s.source_key = l.source_key AND s.source_line = l.source_line
);
