-- Server-side staging (Redshift COPY) of songs: the COPY filled the session table {{ident:loaded}}.
-- Records the worker's parser would reject (src/etl/records.ts: a required field missing) go to
-- etl_rejected_records with the reason, as do values that reach a VARCHAR's 65535 bytes (COPY runs
-- with TRUNCATECOLUMNS and may have cut them; a cut stops up to 3 bytes short of the limit). The
-- rest go to staging_songs. COPY can't tell which file a row came from: {{source_key}} is the file
-- when one was loaded, else NULL, and source_line is NULL (docs/redshift.md). Both statements
-- hold the same CASE (test/unit/serverStagingSql.test.ts keeps them equal).
INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, 'songs', {{source_key}}, NULL, reason, NULL
FROM (
  SELECT CASE
    WHEN artist_id IS NULL THEN 'field "artist_id" is missing'
    WHEN song_id IS NULL THEN 'field "song_id" is missing'
    WHEN OCTET_LENGTH(artist_id) > 65531 THEN 'field "artist_id" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(artist_location) > 65531 THEN 'field "artist_location" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(artist_name) > 65531 THEN 'field "artist_name" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(song_id) > 65531 THEN 'field "song_id" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
    WHEN OCTET_LENGTH(title) > 65531 THEN 'field "title" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  END AS reason
  FROM {{ident:loaded}}
) AS checked
WHERE reason IS NOT NULL;

INSERT INTO staging_songs (run_id, source_key, source_line, num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year)
SELECT {{run_id}}, {{source_key}}, NULL, num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year
FROM {{ident:loaded}}
WHERE (CASE
  WHEN artist_id IS NULL THEN 'field "artist_id" is missing'
  WHEN song_id IS NULL THEN 'field "song_id" is missing'
  WHEN OCTET_LENGTH(artist_id) > 65531 THEN 'field "artist_id" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(artist_location) > 65531 THEN 'field "artist_location" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(artist_name) > 65531 THEN 'field "artist_name" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(song_id) > 65531 THEN 'field "song_id" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
  WHEN OCTET_LENGTH(title) > 65531 THEN 'field "title" reaches the 65535-byte limit of a Redshift VARCHAR (cut by COPY)'
END) IS NULL;
