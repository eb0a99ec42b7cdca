-- songs (dimension): one row per song_id from the song metadata.
CREATE TABLE IF NOT EXISTS songs (
  song_id   {{text}} NOT NULL,
  title     {{text}},
  artist_id {{text}},
  year      INTEGER,
  duration  DOUBLE PRECISION
  {{primary_key(song_id)}}
) {{table_attributes(DISTSTYLE ALL SORTKEY(song_id))}};
