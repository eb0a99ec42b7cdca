-- DuckDB: parses each raw song record of the lines relation (parameter lines) once (from_json into one JSON value per
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
    CASE WHEN reason0 IS NULL THEN from_json(raw, '{"num_songs": "JSON", "artist_id": "JSON", "artist_latitude": "JSON", "artist_longitude": "JSON", "artist_location": "JSON", "artist_name": "JSON", "song_id": "JSON", "title": "JSON", "duration": "JSON", "year": "JSON"}') END AS f
  FROM screened
)
SELECT source_key, source_line, raw, reason0,
  CAST(f."num_songs" AS VARCHAR) AS j_num_songs,
  CAST(f."artist_id" AS VARCHAR) AS j_artist_id,
  CAST(f."artist_latitude" AS VARCHAR) AS j_artist_latitude,
  CAST(f."artist_longitude" AS VARCHAR) AS j_artist_longitude,
  CAST(f."artist_location" AS VARCHAR) AS j_artist_location,
  CAST(f."artist_name" AS VARCHAR) AS j_artist_name,
  CAST(f."song_id" AS VARCHAR) AS j_song_id,
  CAST(f."title" AS VARCHAR) AS j_title,
  CAST(f."duration" AS VARCHAR) AS j_duration,
  CAST(f."year" AS VARCHAR) AS j_year,
  CASE WHEN starts_with(CAST(f."num_songs" AS VARCHAR), '"') THEN json_extract_string(f."num_songs", '$') END AS s_num_songs,
  CASE WHEN starts_with(CAST(f."artist_id" AS VARCHAR), '"') THEN json_extract_string(f."artist_id", '$') END AS s_artist_id,
  CASE WHEN starts_with(CAST(f."artist_latitude" AS VARCHAR), '"') THEN json_extract_string(f."artist_latitude", '$') END AS s_artist_latitude,
  CASE WHEN starts_with(CAST(f."artist_longitude" AS VARCHAR), '"') THEN json_extract_string(f."artist_longitude", '$') END AS s_artist_longitude,
  CASE WHEN starts_with(CAST(f."artist_location" AS VARCHAR), '"') THEN json_extract_string(f."artist_location", '$') END AS s_artist_location,
  CASE WHEN starts_with(CAST(f."artist_name" AS VARCHAR), '"') THEN json_extract_string(f."artist_name", '$') END AS s_artist_name,
  CASE WHEN starts_with(CAST(f."song_id" AS VARCHAR), '"') THEN json_extract_string(f."song_id", '$') END AS s_song_id,
  CASE WHEN starts_with(CAST(f."title" AS VARCHAR), '"') THEN json_extract_string(f."title", '$') END AS s_title,
  CASE WHEN starts_with(CAST(f."duration" AS VARCHAR), '"') THEN json_extract_string(f."duration", '$') END AS s_duration,
  CASE WHEN starts_with(CAST(f."year" AS VARCHAR), '"') THEN json_extract_string(f."year", '$') END AS s_year
FROM fields;
