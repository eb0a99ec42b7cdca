-- Stages the chunk's songs records that passed their checks, typed, with the run, file and line; the
-- rest go to etl_rejected_records (both read the relation named by parameter checked: a table, or the view check_songs.sql makes) with the reason and the raw text (capped at raw_cap characters).
INSERT INTO staging_songs (run_id, source_key, source_line, num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year)
SELECT {{run_id}}, source_key, source_line,
  {{integer_value(num_songs, INTEGER)}} AS num_songs,
  {{text_value(artist_id)}} AS artist_id,
  {{number_value(artist_latitude)}} AS artist_latitude,
  {{number_value(artist_longitude)}} AS artist_longitude,
  {{text_value(artist_location)}} AS artist_location,
  {{text_value(artist_name)}} AS artist_name,
  {{text_value(song_id)}} AS song_id,
  {{text_value(title)}} AS title,
  {{number_value(duration)}} AS duration,
  {{integer_value(year, INTEGER)}} AS year
FROM {{ident:checked}}
WHERE reason IS NULL;

INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, 'songs', source_key, source_line, reason, left(raw, {{raw_cap}})
FROM {{ident:checked}}
WHERE reason IS NOT NULL;
