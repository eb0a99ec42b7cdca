-- PostgreSQL: parses each raw event record of the chunk once (etl_try_json: NULL for invalid JSON) and keeps,
-- per source field, its JSON text (j_, NULL when missing or null) and its unescaped text when it
-- is a JSON string (s_). A key given twice: the last occurrence counts (DuckDB takes the first).
-- reason0 is why the record is no object at all; check_events.sql checks fields.
DROP TABLE IF EXISTS etl_stage_fields;
CREATE TEMP TABLE etl_stage_fields AS
WITH docs AS MATERIALIZED (
  SELECT source_key, source_line, raw, problem,
         CASE WHEN problem IS NULL THEN pg_temp.etl_try_json(raw) END AS doc
  FROM etl_raw_lines
), parsed AS MATERIALIZED (
  SELECT source_key, source_line, raw, doc,
    CASE
      WHEN problem IS NOT NULL THEN problem
      WHEN doc IS NULL THEN 'invalid JSON'
      WHEN json_typeof(doc) <> 'object' THEN 'not a JSON object'
      WHEN strpos(raw, '\u0000') > 0 THEN 'record holds a \u0000 (NUL) escape, which no text column can store'
    END AS reason0
  FROM docs
)
SELECT p.source_key, p.source_line, p.raw, p.reason0,
  NULLIF(r."artist"::text, 'null') AS j_artist,
  NULLIF(r."auth"::text, 'null') AS j_auth,
  NULLIF(r."firstName"::text, 'null') AS j_firstname,
  NULLIF(r."gender"::text, 'null') AS j_gender,
  NULLIF(r."itemInSession"::text, 'null') AS j_iteminsession,
  NULLIF(r."lastName"::text, 'null') AS j_lastname,
  NULLIF(r."length"::text, 'null') AS j_length,
  NULLIF(r."level"::text, 'null') AS j_level,
  NULLIF(r."location"::text, 'null') AS j_location,
  NULLIF(r."method"::text, 'null') AS j_method,
  NULLIF(r."page"::text, 'null') AS j_page,
  NULLIF(r."registration"::text, 'null') AS j_registration,
  NULLIF(r."sessionId"::text, 'null') AS j_sessionid,
  NULLIF(r."song"::text, 'null') AS j_song,
  NULLIF(r."status"::text, 'null') AS j_status,
  NULLIF(r."ts"::text, 'null') AS j_ts,
  NULLIF(r."userAgent"::text, 'null') AS j_useragent,
  NULLIF(r."userId"::text, 'null') AS j_userid,
  CASE WHEN json_typeof(r."artist") = 'string' THEN r."artist" #>> '{}' END AS s_artist,
  CASE WHEN json_typeof(r."auth") = 'string' THEN r."auth" #>> '{}' END AS s_auth,
  CASE WHEN json_typeof(r."firstName") = 'string' THEN r."firstName" #>> '{}' END AS s_firstname,
  CASE WHEN json_typeof(r."gender") = 'string' THEN r."gender" #>> '{}' END AS s_gender,
  CASE WHEN json_typeof(r."itemInSession") = 'string' THEN r."itemInSession" #>> '{}' END AS s_iteminsession,
  CASE WHEN json_typeof(r."lastName") = 'string' THEN r."lastName" #>> '{}' END AS s_lastname,
  CASE WHEN json_typeof(r."length") = 'string' THEN r."length" #>> '{}' END AS s_length,
  CASE WHEN json_typeof(r."level") = 'string' THEN r."level" #>> '{}' END AS s_level,
  CASE WHEN json_typeof(r."location") = 'string' THEN r."location" #>> '{}' END AS s_location,
  CASE WHEN json_typeof(r."method") = 'string' THEN r."method" #>> '{}' END AS s_method,
  CASE WHEN json_typeof(r."page") = 'string' THEN r."page" #>> '{}' END AS s_page,
  CASE WHEN json_typeof(r."registration") = 'string' THEN r."registration" #>> '{}' END AS s_registration,
  CASE WHEN json_typeof(r."sessionId") = 'string' THEN r."sessionId" #>> '{}' END AS s_sessionid,
  CASE WHEN json_typeof(r."song") = 'string' THEN r."song" #>> '{}' END AS s_song,
  CASE WHEN json_typeof(r."status") = 'string' THEN r."status" #>> '{}' END AS s_status,
  CASE WHEN json_typeof(r."ts") = 'string' THEN r."ts" #>> '{}' END AS s_ts,
  CASE WHEN json_typeof(r."userAgent") = 'string' THEN r."userAgent" #>> '{}' END AS s_useragent,
  CASE WHEN json_typeof(r."userId") = 'string' THEN r."userId" #>> '{}' END AS s_userid
FROM parsed AS p
LEFT JOIN LATERAL json_to_record(CASE WHEN p.reason0 IS NULL THEN p.doc END) AS r("artist" json, "auth" json, "firstName" json, "gender" json, "itemInSession" json, "lastName" json, "length" json, "level" json, "location" json, "method" json, "page" json, "registration" json, "sessionId" json, "song" json, "status" json, "ts" json, "userAgent" json, "userId" json) ON TRUE;
