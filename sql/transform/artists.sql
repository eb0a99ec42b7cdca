-- artists: one row per artist_id. Sources: etl_song_file_artists, each song file's artist variants
-- as of its last staging. This run's staging_songs (text repaired) replaces what the run's song
-- files gave, then the artist_ids they give or gave are picked again from every file's variants: a
-- corrected file replaces its old variant, and load order never matters.
-- An artist appears with several name/location variants across songs. The rule keeps one whole
-- variant (name, location and coordinates stay together), preferring in turn: coordinates known,
-- a non-empty location, the shortest name (other variants are mostly "X featuring Y"), then the
-- smallest name, location, latitude and longitude.
-- No location is NULL, on purpose: a file's "" and spaces (staged as given, as Redshift's COPY keeps
-- them without EMPTYASNULL; repaired to '') and its null or missing field are all NULL in artists,
-- so "no location" has one form for analysts (location IS NULL, COUNT(location)).
CREATE TEMP TABLE song_file_artists_staged AS
WITH staged AS (
  SELECT s.source_key, s.artist_id,
         COALESCE(name.repaired, s.artist_name) AS name,
         NULLIF(COALESCE(location.repaired, s.artist_location), '') AS location,
         s.artist_latitude AS latitude,
         s.artist_longitude AS longitude
  FROM staging_songs s
  LEFT JOIN etl_text_repairs name ON name.run_id = s.run_id AND name.kind = 'text' AND name.raw = s.artist_name
  LEFT JOIN etl_text_repairs location ON location.run_id = s.run_id AND location.kind = 'text' AND location.raw = s.artist_location
  WHERE s.run_id = {{run_id}} AND s.artist_id IS NOT NULL
)
SELECT source_key, artist_id, name, location, latitude, longitude FROM staged
-- Variants no file is named for are never replaced: they stay, once each, as before this table.
UNION
SELECT source_key, artist_id, name, location, latitude, longitude
FROM etl_song_file_artists
WHERE source_key IS NULL AND artist_id IN (SELECT artist_id FROM staged WHERE source_key IS NULL);

-- The artists to pick again: those the run's song files give now or gave before.
CREATE TEMP TABLE publish_artist_ids AS
SELECT artist_id FROM song_file_artists_staged
UNION
SELECT artist_id FROM etl_song_file_artists
WHERE source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'songs');

DELETE FROM etl_song_file_artists
WHERE source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'songs');
-- Two deletes, not one with OR: PostgreSQL plans an IN under OR as a subplan, not a semi-join.
DELETE FROM etl_song_file_artists
WHERE source_key IS NULL AND artist_id IN (SELECT artist_id FROM song_file_artists_staged WHERE source_key IS NULL);
INSERT INTO etl_song_file_artists (source_key, artist_id, name, location, latitude, longitude)
SELECT source_key, artist_id, name, location, latitude, longitude FROM song_file_artists_staged;

CREATE TEMP TABLE publish_artists AS
WITH ranked AS (
  SELECT artist_id, name, location, latitude, longitude,
         ROW_NUMBER() OVER (
           PARTITION BY artist_id
           ORDER BY CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL THEN 0 ELSE 1 END,
                    CASE WHEN location IS NOT NULL THEN 0 ELSE 1 END,
                    LENGTH(name) NULLS LAST, {{byte_order(name)}} NULLS LAST, {{byte_order(location)}} NULLS LAST,
                    latitude NULLS LAST, longitude NULLS LAST
         ) AS pick
  FROM etl_song_file_artists
  WHERE artist_id IN (SELECT artist_id FROM publish_artist_ids)
)
SELECT artist_id, name, location, latitude, longitude FROM ranked WHERE pick = 1;

-- An artist no file gives any more goes.
DELETE FROM artists WHERE artist_id IN (SELECT artist_id FROM publish_artist_ids);
INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, name, location, latitude, longitude FROM publish_artists;

DROP TABLE publish_artists;
DROP TABLE publish_artist_ids;
DROP TABLE song_file_artists_staged;
