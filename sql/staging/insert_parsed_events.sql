-- Stages a chunk of parsed events records: the checked ones into staging_events with the run, file and
-- line; the rejected ones into etl_rejected_records with their reason and raw text. Then the
-- session table is emptied for the next chunk.
INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
SELECT {{run_id}}, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid
FROM etl_parsed_rows
WHERE reason IS NULL;

INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, 'events', source_key, source_line, reason, raw
FROM etl_parsed_rows
WHERE reason IS NOT NULL;

TRUNCATE etl_parsed_rows;
