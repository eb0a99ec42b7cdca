-- Raw-line staging: etl_direct_lines, a view of one part of raw event lines the worker wrote
-- (src/staging/rawLineCopy.ts: file key, line number, the line's text as it is, tab-separated, no
-- quoting), read by DuckDB's CSV reader, which splits a part across its threads. Lines with a
-- problem never get here (the worker rejects them), so problem is NULL: the same view as read_events.sql.
CREATE OR REPLACE TEMP VIEW etl_direct_lines AS
SELECT source_key, source_line, raw, CAST(NULL AS VARCHAR) AS problem
FROM read_csv({{copy_file}},
  columns = {'source_key': 'VARCHAR', 'source_line': 'INTEGER', 'raw': 'VARCHAR'},
  header = false, auto_detect = false, delim = '\t', quote = '', escape = '', new_line = '\n',
  -- a line is at most 1 MiB (rawLines.ts MAX_LINE_BYTES); the reader's buffer must fit the bounded pool.
  max_line_size = 4194304, buffer_size = 33554432);
