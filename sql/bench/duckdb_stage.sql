-- Benchmark floor, DuckDB: the data set's files read straight into the staging tables by DuckDB's
-- own JSON reader (typed columns, file name kept), no per-record work outside the engine.
-- Parameters: log_glob and song_glob, the file patterns of the event logs and song files.
-- Rows need no order, so DuckDB may read in parallel without keeping it: with the order kept,
-- reading the 8M-event set ran out of the default memory limit (80% of RAM).
SET preserve_insertion_order = false;

INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname,
  length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
SELECT 'floor', filename, NULL, artist, auth, firstName, gender, itemInSession, lastName,
       length, level, location, method, page, registration, sessionId, song, status, ts, userAgent, userId
FROM read_json({{log_glob}}, format = 'newline_delimited', filename = true, columns = {
  artist: 'VARCHAR', auth: 'VARCHAR', firstName: 'VARCHAR', gender: 'VARCHAR', itemInSession: 'INTEGER',
  lastName: 'VARCHAR', length: 'DOUBLE', level: 'VARCHAR', location: 'VARCHAR', method: 'VARCHAR', page: 'VARCHAR',
  registration: 'DOUBLE', sessionId: 'BIGINT', song: 'VARCHAR', status: 'INTEGER', ts: 'BIGINT', userAgent: 'VARCHAR',
  userId: 'VARCHAR'
});

INSERT INTO staging_songs (run_id, source_key, source_line, num_songs, artist_id, artist_latitude, artist_longitude,
  artist_location, artist_name, song_id, title, duration, year)
SELECT 'floor', filename, 1, num_songs, artist_id, artist_latitude, artist_longitude,
       artist_location, artist_name, song_id, title, duration, year
FROM read_json({{song_glob}}, format = 'auto', filename = true, columns = {
  num_songs: 'INTEGER', artist_id: 'VARCHAR', artist_latitude: 'DOUBLE', artist_longitude: 'DOUBLE',
  artist_location: 'VARCHAR', artist_name: 'VARCHAR', song_id: 'VARCHAR', title: 'VARCHAR', duration: 'DOUBLE',
  year: 'INTEGER'
});
