-- artists (dimension): one row per artist_id; among an artist's name/location variants one is
-- chosen by a fixed rule (see sql/transform/artists.sql).
CREATE TABLE IF NOT EXISTS artists (
  artist_id {{text}} NOT NULL,
  name      {{text}},
  location  {{text}},
  latitude  DOUBLE PRECISION,
  longitude DOUBLE PRECISION
  {{primary_key(artist_id)}}
) {{table_attributes(DISTSTYLE ALL SORTKEY(artist_id))}};
