-- DuckDB: parses each raw event record of the lines relation (parameter lines) once (from_json into one JSON value per
-- source field) and keeps, per field, its JSON text (j_, NULL when missing or null) and its
-- unescaped text when it is a JSON string (s_). reason0: why the record is no usable object. A view, evaluated
-- once by the statement that reads it (no copies of the raw text: they cost more than the parse).
-- A key given twice: the first occurrence counts here (PostgreSQL takes the last; see docs).
DROP VIEW IF EXISTS etl_stage_fields;
CREATE TEMP VIEW etl_stage_fields AS
WITH screened AS (
  SELECT source_key, source_line, raw,
    CASE
      WHEN problem IS NOT NULL THEN problem
      WHEN NOT json_valid(raw) THEN 'invalid JSON'
      -- DuckDB's reader takes a trailing comma before } or ] (outside a string), JSON.parse does not:
      -- a cheap search first, then the exact one (strings skipped whole).
      WHEN regexp_matches(raw, ',[ \t\r\n]*[}\]]') AND regexp_matches(raw, '^(?:[^"]|"(?:[^"\\]|\\.)*")*,[ \t\r\n]*[}\]]') THEN 'invalid JSON'
      WHEN json_type(raw) <> 'OBJECT' THEN 'not a JSON object'
      WHEN strpos(raw, '\u0000') > 0 THEN 'record holds a \u0000 (NUL) escape, which no text column can store'
    END AS reason0
  FROM {{ident:lines}}
), fields AS (
  SELECT source_key, source_line, raw, reason0,
    CASE WHEN reason0 IS NULL THEN from_json(raw, '{"artist": "JSON", "auth": "JSON", "firstName": "JSON", "gender": "JSON", "itemInSession": "JSON", "lastName": "JSON", "length": "JSON", "level": "JSON", "location": "JSON", "method": "JSON", "page": "JSON", "registration": "JSON", "sessionId": "JSON", "song": "JSON", "status": "JSON", "ts": "JSON", "userAgent": "JSON", "userId": "JSON"}') END AS f
  FROM screened
)
SELECT source_key, source_line, raw, reason0,
  CAST(f."artist" AS VARCHAR) AS j_artist,
  CAST(f."auth" AS VARCHAR) AS j_auth,
  CAST(f."firstName" AS VARCHAR) AS j_firstname,
  CAST(f."gender" AS VARCHAR) AS j_gender,
  CAST(f."itemInSession" AS VARCHAR) AS j_iteminsession,
  CAST(f."lastName" AS VARCHAR) AS j_lastname,
  CAST(f."length" AS VARCHAR) AS j_length,
  CAST(f."level" AS VARCHAR) AS j_level,
  CAST(f."location" AS VARCHAR) AS j_location,
  CAST(f."method" AS VARCHAR) AS j_method,
  CAST(f."page" AS VARCHAR) AS j_page,
  CAST(f."registration" AS VARCHAR) AS j_registration,
  CAST(f."sessionId" AS VARCHAR) AS j_sessionid,
  CAST(f."song" AS VARCHAR) AS j_song,
  CAST(f."status" AS VARCHAR) AS j_status,
  CAST(f."ts" AS VARCHAR) AS j_ts,
  CAST(f."userAgent" AS VARCHAR) AS j_useragent,
  CAST(f."userId" AS VARCHAR) AS j_userid,
  CASE WHEN starts_with(CAST(f."artist" AS VARCHAR), '"') THEN json_extract_string(f."artist", '$') END AS s_artist,
  CASE WHEN starts_with(CAST(f."auth" AS VARCHAR), '"') THEN json_extract_string(f."auth", '$') END AS s_auth,
  CASE WHEN starts_with(CAST(f."firstName" AS VARCHAR), '"') THEN json_extract_string(f."firstName", '$') END AS s_firstname,
  CASE WHEN starts_with(CAST(f."gender" AS VARCHAR), '"') THEN json_extract_string(f."gender", '$') END AS s_gender,
  CASE WHEN starts_with(CAST(f."itemInSession" AS VARCHAR), '"') THEN json_extract_string(f."itemInSession", '$') END AS s_iteminsession,
  CASE WHEN starts_with(CAST(f."lastName" AS VARCHAR), '"') THEN json_extract_string(f."lastName", '$') END AS s_lastname,
  CASE WHEN starts_with(CAST(f."length" AS VARCHAR), '"') THEN json_extract_string(f."length", '$') END AS s_length,
  CASE WHEN starts_with(CAST(f."level" AS VARCHAR), '"') THEN json_extract_string(f."level", '$') END AS s_level,
  CASE WHEN starts_with(CAST(f."location" AS VARCHAR), '"') THEN json_extract_string(f."location", '$') END AS s_location,
  CASE WHEN starts_with(CAST(f."method" AS VARCHAR), '"') THEN json_extract_string(f."method", '$') END AS s_method,
  CASE WHEN starts_with(CAST(f."page" AS VARCHAR), '"') THEN json_extract_string(f."page", '$') END AS s_page,
  CASE WHEN starts_with(CAST(f."registration" AS VARCHAR), '"') THEN json_extract_string(f."registration", '$') END AS s_registration,
  CASE WHEN starts_with(CAST(f."sessionId" AS VARCHAR), '"') THEN json_extract_string(f."sessionId", '$') END AS s_sessionid,
  CASE WHEN starts_with(CAST(f."song" AS VARCHAR), '"') THEN json_extract_string(f."song", '$') END AS s_song,
  CASE WHEN starts_with(CAST(f."status" AS VARCHAR), '"') THEN json_extract_string(f."status", '$') END AS s_status,
  CASE WHEN starts_with(CAST(f."ts" AS VARCHAR), '"') THEN json_extract_string(f."ts", '$') END AS s_ts,
  CASE WHEN starts_with(CAST(f."userAgent" AS VARCHAR), '"') THEN json_extract_string(f."userAgent", '$') END AS s_useragent,
  CASE WHEN starts_with(CAST(f."userId" AS VARCHAR), '"') THEN json_extract_string(f."userId", '$') END AS s_userid
FROM fields;
