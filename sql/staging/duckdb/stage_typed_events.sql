-- Direct staging, the common case: each line of etl_direct_lines (read_events.sql) parsed once by a
-- typed from_json and staged as it is when the screen (typed_screen.sql) proves the checked SQL
-- would stage it the same; every other line (a problem, invalid JSON, a NUL escape, a value not
-- proven, a comma before } or ]) is left for the checked SQL (unstaged_raw_lines.sql). A key given twice: the first counts, as there.
-- The screen is wrapped in COALESCE: as a bare filter DuckDB evaluates its CASEs row set by row set, 3× slower.
INSERT INTO staging_events (run_id, source_key, source_line, artist, auth, firstname, gender, iteminsession, lastname, length, level, location, method, page, registration, sessionid, song, status, ts, useragent, userid)
SELECT {{run_id}}, source_key, source_line,
  "artist", "auth", "firstName", "gender", CAST("itemInSession" AS INTEGER), "lastName",
  CAST(CAST("length" AS VARCHAR) AS DOUBLE), "level", "location", "method", "page",
  CAST(CAST("registration" AS VARCHAR) AS DOUBLE), CAST("sessionId" AS BIGINT), "song",
  CAST("status" AS INTEGER), CAST("ts" AS BIGINT), "userAgent", "userId"
FROM (
  -- The first character of each text value, once (etl_sure_text's c).
  SELECT *,
    ascii("artist") AS "artist_c",
    ascii("auth") AS "auth_c",
    ascii("firstName") AS "firstName_c",
    ascii("gender") AS "gender_c",
    ascii("lastName") AS "lastName_c",
    ascii("level") AS "level_c",
    ascii("location") AS "location_c",
    ascii("method") AS "method_c",
    ascii("page") AS "page_c",
    ascii("song") AS "song_c",
    ascii("userAgent") AS "userAgent_c"
  FROM (
    SELECT source_key, source_line,
      unnest(try(from_json(raw, '{"artist": "VARCHAR", "auth": "VARCHAR", "firstName": "VARCHAR", "gender": "VARCHAR", "itemInSession": "VARCHAR", "lastName": "VARCHAR", "length": "JSON", "level": "VARCHAR", "location": "VARCHAR", "method": "VARCHAR", "page": "VARCHAR", "registration": "JSON", "sessionId": "VARCHAR", "song": "VARCHAR", "status": "VARCHAR", "ts": "VARCHAR", "userAgent": "VARCHAR", "userId": "VARCHAR"}')))
    FROM etl_direct_lines
    -- A comma before } or ] may be a trailing one, which DuckDB's reader takes and JSON.parse does not.
    WHERE problem IS NULL AND strpos(raw, '\u0000') = 0 AND NOT regexp_matches(raw, ',[ \t\r\n]*[}\]]')
  )
)
WHERE COALESCE(
  etl_sure_text("artist", "artist_c") AND etl_sure_text("auth", "auth_c") AND etl_sure_text("firstName", "firstName_c") AND etl_sure_text("gender", "gender_c")
  AND etl_sure_integer("itemInSession") AND etl_sure_text("lastName", "lastName_c") AND etl_sure_number(CAST("length" AS VARCHAR))
  AND etl_sure_text("level", "level_c") AND etl_sure_text("location", "location_c") AND etl_sure_text("method", "method_c")
  AND "page" IS NOT NULL AND etl_sure_text("page", "page_c") AND etl_sure_number(CAST("registration" AS VARCHAR))
  AND etl_sure_bigint("sessionId") AND etl_sure_text("song", "song_c") AND ("status" IS NULL OR etl_sure_integer("status"))
  AND etl_sure_event_time("ts") AND etl_sure_text("userAgent", "userAgent_c") AND etl_sure_user_id("userId"),
  FALSE);
