-- Benchmark floor, both engines: the five star tables from the staging tables in plain SQL, the
-- textbook way: latest row per key, plays matched to songs on exact title, artist and duration,
-- no text repair and no bookkeeping. Into the project's own star tables (same keys and indexes).
INSERT INTO songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, year, duration
FROM (
  SELECT song_id, title, artist_id, year, duration,
         ROW_NUMBER() OVER (PARTITION BY song_id ORDER BY year DESC, title) AS pick
  FROM staging_songs WHERE song_id IS NOT NULL
) AS s
WHERE pick = 1;

INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, artist_name, artist_location, artist_latitude, artist_longitude
FROM (
  SELECT artist_id, artist_name, artist_location, artist_latitude, artist_longitude,
         ROW_NUMBER() OVER (PARTITION BY artist_id ORDER BY LENGTH(artist_name), artist_name) AS pick
  FROM staging_songs WHERE artist_id IS NOT NULL
) AS a
WHERE pick = 1;

INSERT INTO users (user_id, first_name, last_name, gender, level)
SELECT user_id, firstname, lastname, gender, level
FROM (
  SELECT CAST(TRIM(userid) AS INTEGER) AS user_id, firstname, lastname, gender, level,
         ROW_NUMBER() OVER (PARTITION BY TRIM(userid) ORDER BY ts DESC, iteminsession DESC) AS pick
  FROM staging_events WHERE page = 'NextSong' AND TRIM(userid) <> ''
) AS u
WHERE pick = 1;

INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT start_time,
       CAST(EXTRACT(hour FROM start_time) AS INTEGER),
       CAST(EXTRACT(day FROM start_time) AS INTEGER),
       CAST(EXTRACT(week FROM start_time) AS INTEGER),
       CAST(EXTRACT(month FROM start_time) AS INTEGER),
       CAST(EXTRACT(year FROM start_time) AS INTEGER),
       CAST(EXTRACT(dow FROM start_time) AS INTEGER)
FROM (
  SELECT DISTINCT {{epoch_ms_to_timestamp(ts)}} AS start_time
  FROM staging_events WHERE page = 'NextSong' AND TRIM(userid) <> ''
) AS t;

INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent)
SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent
FROM (
  SELECT {{songplay_id(e)}} AS songplay_id,
         {{epoch_ms_to_timestamp(e.ts)}} AS start_time,
         CAST(TRIM(e.userid) AS INTEGER) AS user_id, e.level, s.song_id, s.artist_id,
         e.sessionid AS session_id, e.location, e.useragent AS user_agent,
         ROW_NUMBER() OVER (PARTITION BY {{songplay_id(e)}} ORDER BY s.song_id) AS pick
  FROM staging_events e
  LEFT JOIN staging_songs s ON s.title = e.song AND s.artist_name = e.artist AND s.duration = e.length
  WHERE e.page = 'NextSong' AND TRIM(e.userid) <> ''
) AS p
WHERE pick = 1;
