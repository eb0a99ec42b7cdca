-- staging_events: one row per event log record, exactly as the app logged it (the raw layer).
-- Columns: the source keys (lower-cased, as SQL folds identifiers) plus lineage: the run that
-- staged the row, the source file key and the line number within that file.
CREATE TABLE IF NOT EXISTS staging_events (
  run_id        {{text}} NOT NULL,
  source_key    {{text}},
  source_line   INTEGER,
  artist        {{text}},
  auth          {{text}},
  firstname     {{text}},
  gender        {{text}},
  iteminsession INTEGER,
  lastname      {{text}},
  length        DOUBLE PRECISION,
  level         {{text}},
  location      {{text}},
  method        {{text}},
  page          {{text}},
  registration  DOUBLE PRECISION,
  sessionid     BIGINT,
  song          {{text}},
  status        INTEGER,
  ts            BIGINT,
  useragent     {{text}},
  userid        {{text}}
) {{table_attributes(DISTSTYLE EVEN)}};
