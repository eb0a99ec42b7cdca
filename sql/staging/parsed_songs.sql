-- etl_parsed_rows: the session's songs records as the worker parsed and checked them (where the
-- warehouse takes parsed rows): file key, line, the typed staging_songs columns, and for a rejected
-- record its reason and raw text (capped). Lives only for this staging call.
DROP TABLE IF EXISTS etl_parsed_rows;
CREATE TEMP TABLE etl_parsed_rows (
  source_key       {{text}} NOT NULL,
  source_line      INTEGER NOT NULL,
  num_songs        INTEGER,
  artist_id        {{text}},
  artist_latitude  DOUBLE PRECISION,
  artist_longitude DOUBLE PRECISION,
  artist_location  {{text}},
  artist_name      {{text}},
  song_id          {{text}},
  title            {{text}},
  duration         DOUBLE PRECISION,
  year             INTEGER,
  reason           {{text}},
  raw              {{text}}
);
