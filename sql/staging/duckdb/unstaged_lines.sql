-- Direct staging: the batch's lines (etl_direct_lines) that did not stage, i.e. its rejects, found
-- by file and line before any parsing, so only they are parsed and checked a second time for a
-- reason. Only the batch's own files' staged rows are looked at (keys), not the whole run's.
CREATE OR REPLACE TEMP VIEW etl_direct_unstaged AS
SELECT l.* FROM etl_direct_lines AS l
WHERE NOT EXISTS (
  SELECT 1 FROM {{ident:table}} AS s
  WHERE s.run_id = {{run_id}} AND s.source_key IN ({{keys}})
    AND s.source_key = l.source_key AND s.source_line = l.source_line
);
