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
) {{table_attributes(DISTSTYLE EVEN)}}{{postgres_partition_by(LIST (run_id))}};

-- By run, on PostgreSQL: a partition per run (postgres/attach_staging_partition.sql, made before
-- the run stages; named staging_events_ and the md5 of the run id). Every publish and check
-- statement reads the run's own rows (WHERE run_id = …) and so its partition alone, with that
-- partition's own statistics, while staging keeps each finished run's rows for the retention (a
-- week of nightly runs by default: docs/operations.md). No index to keep up as a COPY writes: the
-- B-tree on run_id this replaced (staging_events_run) cost a COPY of 1.6M events about 0.6 s of
-- its ~4 s. A run's rows go by TRUNCATE and DROP of its partition, not a DELETE of each row
-- (postgres/truncate_expired_staging.sql). A warehouse of schema version 2 has the single table:
-- createSchema moves its rows into partitions (postgres/unpartitioned_staging_*.sql).
