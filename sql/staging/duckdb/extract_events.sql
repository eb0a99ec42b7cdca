-- DuckDB: parses each raw event record once and keeps, per source field, its JSON text (j_,
-- NULL when missing or null) and its unescaped text when it is a JSON string (s_). reason0 is
-- why the record is no object at all; staging/check_events.sql checks the fields.
CREATE OR REPLACE TEMP TABLE etl_stage_fields AS
WITH docs AS (
  SELECT source_key, source_line, raw, problem, valid,
         CASE WHEN valid THEN json_type(raw) = 'OBJECT' ELSE FALSE END AS is_object
  FROM (SELECT *, CASE WHEN problem IS NULL THEN json_valid(raw) ELSE FALSE END AS valid FROM etl_raw_lines)
), parsed AS (
  SELECT source_key, source_line, raw,
    CASE
      WHEN problem IS NOT NULL THEN problem
      WHEN NOT valid THEN 'invalid JSON'
      WHEN NOT is_object THEN 'not a JSON object'
      WHEN strpos(raw, '\u0000') > 0 THEN 'record holds a \u0000 (NUL) escape, which no text column can store'
      WHEN len(json_keys(raw)) <> len(list_distinct(json_keys(raw))) THEN 'duplicate key in the JSON object'
    END AS reason0,
    CASE WHEN is_object THEN json_extract(raw, ['$.artist', '$.auth', '$.firstName', '$.gender', '$.itemInSession', '$.lastName', '$.length', '$.level', '$.location', '$.method', '$.page', '$.registration', '$.sessionId', '$.song', '$.status', '$.ts', '$.userAgent', '$.userId']) END AS j,
    CASE WHEN is_object THEN json_extract_string(raw, ['$.artist', '$.auth', '$.firstName', '$.gender', '$.itemInSession', '$.lastName', '$.length', '$.level', '$.location', '$.method', '$.page', '$.registration', '$.sessionId', '$.song', '$.status', '$.ts', '$.userAgent', '$.userId']) END AS s
  FROM docs
)
SELECT source_key, source_line, raw, reason0,
  NULLIF(CAST(j[1] AS VARCHAR), 'null') AS j_artist,
  NULLIF(CAST(j[2] AS VARCHAR), 'null') AS j_auth,
  NULLIF(CAST(j[3] AS VARCHAR), 'null') AS j_firstname,
  NULLIF(CAST(j[4] AS VARCHAR), 'null') AS j_gender,
  NULLIF(CAST(j[5] AS VARCHAR), 'null') AS j_iteminsession,
  NULLIF(CAST(j[6] AS VARCHAR), 'null') AS j_lastname,
  NULLIF(CAST(j[7] AS VARCHAR), 'null') AS j_length,
  NULLIF(CAST(j[8] AS VARCHAR), 'null') AS j_level,
  NULLIF(CAST(j[9] AS VARCHAR), 'null') AS j_location,
  NULLIF(CAST(j[10] AS VARCHAR), 'null') AS j_method,
  NULLIF(CAST(j[11] AS VARCHAR), 'null') AS j_page,
  NULLIF(CAST(j[12] AS VARCHAR), 'null') AS j_registration,
  NULLIF(CAST(j[13] AS VARCHAR), 'null') AS j_sessionid,
  NULLIF(CAST(j[14] AS VARCHAR), 'null') AS j_song,
  NULLIF(CAST(j[15] AS VARCHAR), 'null') AS j_status,
  NULLIF(CAST(j[16] AS VARCHAR), 'null') AS j_ts,
  NULLIF(CAST(j[17] AS VARCHAR), 'null') AS j_useragent,
  NULLIF(CAST(j[18] AS VARCHAR), 'null') AS j_userid,
  CASE WHEN starts_with(CAST(j[1] AS VARCHAR), '"') THEN s[1] END AS s_artist,
  CASE WHEN starts_with(CAST(j[2] AS VARCHAR), '"') THEN s[2] END AS s_auth,
  CASE WHEN starts_with(CAST(j[3] AS VARCHAR), '"') THEN s[3] END AS s_firstname,
  CASE WHEN starts_with(CAST(j[4] AS VARCHAR), '"') THEN s[4] END AS s_gender,
  CASE WHEN starts_with(CAST(j[5] AS VARCHAR), '"') THEN s[5] END AS s_iteminsession,
  CASE WHEN starts_with(CAST(j[6] AS VARCHAR), '"') THEN s[6] END AS s_lastname,
  CASE WHEN starts_with(CAST(j[7] AS VARCHAR), '"') THEN s[7] END AS s_length,
  CASE WHEN starts_with(CAST(j[8] AS VARCHAR), '"') THEN s[8] END AS s_level,
  CASE WHEN starts_with(CAST(j[9] AS VARCHAR), '"') THEN s[9] END AS s_location,
  CASE WHEN starts_with(CAST(j[10] AS VARCHAR), '"') THEN s[10] END AS s_method,
  CASE WHEN starts_with(CAST(j[11] AS VARCHAR), '"') THEN s[11] END AS s_page,
  CASE WHEN starts_with(CAST(j[12] AS VARCHAR), '"') THEN s[12] END AS s_registration,
  CASE WHEN starts_with(CAST(j[13] AS VARCHAR), '"') THEN s[13] END AS s_sessionid,
  CASE WHEN starts_with(CAST(j[14] AS VARCHAR), '"') THEN s[14] END AS s_song,
  CASE WHEN starts_with(CAST(j[15] AS VARCHAR), '"') THEN s[15] END AS s_status,
  CASE WHEN starts_with(CAST(j[16] AS VARCHAR), '"') THEN s[16] END AS s_ts,
  CASE WHEN starts_with(CAST(j[17] AS VARCHAR), '"') THEN s[17] END AS s_useragent,
  CASE WHEN starts_with(CAST(j[18] AS VARCHAR), '"') THEN s[18] END AS s_userid
FROM parsed;
