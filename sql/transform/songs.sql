-- songs: one row per song_id, plus etl_song_keys, the song's match keys for songplays, both from
-- the same version of the song, so a play matched through the keys names the song and artist that
-- songs holds (they were picked apart, by different rules, and could name another artist).
-- Sources: etl_song_file_songs, each song file's versions as of its last staging. This run's
-- staging_songs (text repaired via etl_text_repairs) replaces what the run's song files gave, then
-- the song_ids they give or gave are picked again from every file's versions: a corrected file
-- replaces its old version, and the result never depends on load order.
-- Rule when a song_id has several versions: a known year (> 0) first, then the smallest
-- (title, artist_id, duration), then the smallest raw title and artist name.
CREATE TEMP TABLE song_file_songs_staged AS
WITH staged AS (
  SELECT s.source_key, s.song_id, COALESCE(title.repaired, s.title) AS title, s.artist_id, s.year, s.duration,
         s.title AS title_raw, s.artist_name AS artist_name_raw, title.match_key AS title_key, artist.match_key AS artist_key
  FROM staging_songs s
  LEFT JOIN etl_text_repairs title ON title.run_id = s.run_id AND title.kind = 'text' AND title.raw = s.title
  LEFT JOIN etl_text_repairs artist ON artist.run_id = s.run_id AND artist.kind = 'text' AND artist.raw = s.artist_name
  WHERE s.run_id = {{run_id}} AND s.song_id IS NOT NULL
)
SELECT source_key, song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key FROM staged
-- Versions no file is named for are never replaced: they stay, once each, as before this table.
UNION
SELECT source_key, song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key
FROM etl_song_file_songs
WHERE source_key IS NULL AND song_id IN (SELECT song_id FROM staged WHERE source_key IS NULL);

-- The songs to pick again: those the run's song files give now or gave before.
CREATE TEMP TABLE publish_song_ids AS
SELECT song_id FROM song_file_songs_staged
UNION
SELECT song_id FROM etl_song_file_songs
WHERE source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'songs');

DELETE FROM etl_song_file_songs
WHERE source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = 'songs');
-- Two deletes, not one with OR: PostgreSQL plans an IN under OR as a subplan, not a semi-join.
DELETE FROM etl_song_file_songs
WHERE source_key IS NULL AND song_id IN (SELECT song_id FROM song_file_songs_staged WHERE source_key IS NULL);
INSERT INTO etl_song_file_songs (source_key, song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key)
SELECT source_key, song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key FROM song_file_songs_staged;

CREATE TEMP TABLE publish_songs AS
WITH ranked AS (
  SELECT song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key,
         ROW_NUMBER() OVER (
           PARTITION BY song_id
           ORDER BY CASE WHEN year > 0 THEN 0 ELSE 1 END, {{byte_order(title)}} NULLS LAST, {{byte_order(artist_id)}} NULLS LAST, duration NULLS LAST,
                    {{byte_order(title_raw)}} NULLS LAST, {{byte_order(artist_name_raw)}} NULLS LAST
         ) AS pick
  FROM etl_song_file_songs
  WHERE song_id IN (SELECT song_id FROM publish_song_ids)
)
SELECT song_id, title, artist_id, year, duration, title_raw, artist_name_raw, title_key, artist_key FROM ranked WHERE pick = 1;

-- A song no file gives any more (its file now gives another song_id) goes.
DELETE FROM songs WHERE song_id IN (SELECT song_id FROM publish_song_ids);
INSERT INTO songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, year, duration FROM publish_songs;

DELETE FROM etl_song_keys WHERE song_id IN (SELECT song_id FROM publish_song_ids);
INSERT INTO etl_song_keys (song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration)
SELECT song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration FROM publish_songs;

DROP TABLE publish_songs;
DROP TABLE publish_song_ids;
DROP TABLE song_file_songs_staged;
