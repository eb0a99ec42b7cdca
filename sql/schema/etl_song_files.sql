-- What each song file gave, as of its last staging: songs, etl_song_keys and artists are picked
-- from these (sql/transform/songs.sql, artists.sql), so a file staged again replaces what it gave.
-- source_key is NULL where staging cannot name the file (a Redshift COPY of several files).

-- etl_song_file_songs: one row per distinct song version (text repaired, with its match keys) per file.
CREATE TABLE IF NOT EXISTS etl_song_file_songs (
  source_key      {{text}},
  song_id         {{text}} NOT NULL,
  title           {{text}},
  artist_id       {{text}},
  year            INTEGER,
  duration        DOUBLE PRECISION,
  title_raw       {{text}},
  artist_name_raw {{text}},
  title_key       {{text}},
  artist_key      {{text}}
);

-- etl_song_file_artists: one row per distinct artist variant (text repaired) per file.
CREATE TABLE IF NOT EXISTS etl_song_file_artists (
  source_key {{text}},
  artist_id  {{text}} NOT NULL,
  name       {{text}},
  location   {{text}},
  latitude   DOUBLE PRECISION,
  longitude  DOUBLE PRECISION
);
