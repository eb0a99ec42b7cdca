-- One part of a staging segment, loaded with DuckDB's CSV reader: rows the worker encoded in the
-- CSV flavour of src/staging/copyText.ts (tab-separated, `"` quoting, `\N` for NULL, every column
-- of the table in order), spooled to a file beside the database. A quoted "\N" is text, not NULL.
COPY {{ident:copy_table}} FROM {{copy_file}} (
  FORMAT csv, HEADER false, AUTO_DETECT false, DELIMITER '\t', QUOTE '"', ESCAPE '"',
  NULL '\N', ALLOW_QUOTED_NULLS false,
  -- A row is at most 3 bytes per character of its line (a line ≤ 1 MiB, a song file ≤ 4 MiB); the
  -- reader's buffer (by default 16 × MAX_LINE_SIZE) must fit the bounded pool (duckdbSettings.ts).
  MAX_LINE_SIZE 16777216, BUFFER_SIZE 33554432
);
