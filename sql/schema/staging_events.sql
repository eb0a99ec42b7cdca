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

-- By run, on PostgreSQL: every publish and check statement reads the run's own rows
-- (WHERE run_id = …), and staging keeps each finished run's rows for the retention (a week of
-- nightly runs by default: docs/operations.md), so without it each statement read every retained
-- run's rows. A B-tree, not a block range index: Temporal's run ids are time-ordered (UUIDv7), but
-- the space a cleared run leaves is filled by later runs, so a block range's min and max would soon
-- span most retained runs. One key per run, deduplicated: 10.6 MB for 1.6M rows, and 0.5-1.1 s of
-- CPU more in a COPY of 1.6M events (a day's 55K: some 30 ms). A run that is all of the table (a
-- first run) is still read by a sequential scan. PostgreSQL keeps it itself, so a release that does
-- not know it still keeps it right: no schema version; createSchema builds it where it is missing.
{{postgres_index(staging_events_run ON staging_events (run_id))}};
