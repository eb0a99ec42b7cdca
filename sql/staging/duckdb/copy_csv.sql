-- One part of a staging segment, loaded with DuckDB's CSV reader: rows the worker encoded in the
-- CSV flavour of src/staging/copyText.ts (tab-separated, `"` quoting, `\N` for NULL, every column
-- of the table in order), spooled to a file beside the database. A quoted "\N" is text, not NULL.
COPY {{ident:copy_table}} FROM {{copy_file}} (
  FORMAT csv, HEADER false, AUTO_DETECT false, DELIMITER '\t', QUOTE '"', ESCAPE '"',
  NULL '\N', ALLOW_QUOTED_NULLS false,
  -- Sized per table (src/warehouse/duckdbCsvReaderSizes.ts): the longest row the table can get, and
  -- a buffer (by default 16 × MAX_LINE_SIZE) that leaves the bounded pool to the rows being written.
  MAX_LINE_SIZE {{max_line_size}}, BUFFER_SIZE {{buffer_size}}
);
