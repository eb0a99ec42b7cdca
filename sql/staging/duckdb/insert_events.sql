-- Stages the chunk's events records that passed their checks, typed, with the run, file and line; the
-- rest go to etl_rejected_records (both read the relation named by parameter checked: a table, or the view check_events.sql makes) with the reason and the raw text (capped at raw_cap characters).
INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
SELECT {{run_id}}, source_key, source_line,
  {{text_value(artist)}} AS artist,
  {{text_value(auth)}} AS auth,
  {{text_value(firstname)}} AS firstname,
  {{text_value(gender)}} AS gender,
  {{integer_value(iteminsession, INTEGER)}} AS iteminsession,
  {{text_value(lastname)}} AS lastname,
  {{number_value(length)}} AS length,
  {{text_value(level)}} AS level,
  {{text_value(location)}} AS location,
  {{text_value(method)}} AS method,
  {{text_value(page)}} AS page,
  {{number_value(registration)}} AS registration,
  {{integer_value(sessionid, BIGINT)}} AS sessionid,
  {{text_value(song)}} AS song,
  {{integer_value(status, INTEGER)}} AS status,
  {{integer_value(ts, BIGINT)}} AS ts,
  {{text_value(useragent)}} AS useragent,
  {{text_value(userid)}} AS userid
FROM {{ident:checked}}
WHERE reason IS NULL;

INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, 'events', source_key, source_line, reason, left(raw, {{raw_cap}})
FROM {{ident:checked}}
WHERE reason IS NOT NULL;
