-- staging_songs: one row per song metadata record, exactly as published (the raw layer).
-- Columns: the source keys plus lineage (run, source file key, line number).
CREATE TABLE IF NOT EXISTS staging_songs (
  run_id           {{text}} NOT NULL,
  source_key       {{text}},
  source_line      INTEGER,
  num_songs        INTEGER,
  artist_id        {{text}},
  artist_latitude  DOUBLE PRECISION,
  artist_longitude DOUBLE PRECISION,
  artist_location  {{text}},
  artist_name      {{text}},
  song_id          {{text}},
  title            {{text}},
  duration         DOUBLE PRECISION,
  year             INTEGER
) {{table_attributes(DISTSTYLE EVEN)}};

-- By run, on PostgreSQL, as staging_events_run (sql/schema/staging_events.sql): a run's statements
-- read its own staged songs, not every retained run's.
{{postgres_index(staging_songs_run ON staging_songs (run_id))}};
