-- artists: one row per artist_id. Sources: this run's staging_songs (text repaired) and the
-- artist's current row, which competes with the new variants so load order never matters.
-- An artist appears with several name/location variants across songs. The rule keeps one whole
-- variant (name, location and coordinates stay together), preferring in turn: coordinates known,
-- a non-empty location, the shortest name (other variants are mostly "X featuring Y"), then the
-- smallest name, location, latitude and longitude.
CREATE TEMP TABLE publish_artists AS
WITH staged AS (
  SELECT s.artist_id,
         COALESCE(name.repaired, s.artist_name) AS name,
         NULLIF(COALESCE(location.repaired, s.artist_location), '') AS location,
         s.artist_latitude AS latitude,
         s.artist_longitude AS longitude
  FROM staging_songs s
  LEFT JOIN etl_text_repairs name ON name.run_id = s.run_id AND name.kind = 'text' AND name.raw = s.artist_name
  LEFT JOIN etl_text_repairs location ON location.run_id = s.run_id AND location.kind = 'text' AND location.raw = s.artist_location
  WHERE s.run_id = {{run_id}} AND s.artist_id IS NOT NULL
),
candidates AS (
  SELECT artist_id, name, location, latitude, longitude FROM staged
  UNION ALL
  SELECT artist_id, name, location, latitude, longitude FROM artists WHERE artist_id IN (SELECT artist_id FROM staged)
),
ranked AS (
  SELECT artist_id, name, location, latitude, longitude,
         ROW_NUMBER() OVER (
           PARTITION BY artist_id
           ORDER BY CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL THEN 0 ELSE 1 END,
                    CASE WHEN location IS NOT NULL THEN 0 ELSE 1 END,
                    LENGTH(name) NULLS LAST, {{byte_order(name)}} NULLS LAST, {{byte_order(location)}} NULLS LAST,
                    latitude NULLS LAST, longitude NULLS LAST
         ) AS pick
  FROM candidates
)
SELECT artist_id, name, location, latitude, longitude FROM ranked WHERE pick = 1;

DELETE FROM artists WHERE artist_id IN (SELECT artist_id FROM publish_artists);
INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, name, location, latitude, longitude FROM publish_artists;

DROP TABLE publish_artists;
