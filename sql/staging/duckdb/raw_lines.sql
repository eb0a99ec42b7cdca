-- etl_raw_lines: the session's raw source lines (one staging call), as read: file key, line
-- number, the line's text and a problem the reader found (too long, not UTF-8, NUL byte).
-- Parsing and checking happen in SQL from here; the table lives only for this session.
DROP TABLE IF EXISTS etl_raw_lines;
CREATE TEMP TABLE etl_raw_lines (
  source_key  {{text}} NOT NULL,
  source_line INTEGER NOT NULL,
  raw         {{text}},
  problem     {{text}}
);
