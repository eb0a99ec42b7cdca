-- DuckDB: parses each raw song record once and keeps, per source field, its JSON text (j_,
-- NULL when missing or null) and its unescaped text when it is a JSON string (s_). reason0 is
-- why the record is no object at all; staging/check_songs.sql checks the fields.
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
    CASE WHEN is_object THEN json_extract(raw, ['$.num_songs', '$.artist_id', '$.artist_latitude', '$.artist_longitude', '$.artist_location', '$.artist_name', '$.song_id', '$.title', '$.duration', '$.year']) END AS j,
    CASE WHEN is_object THEN json_extract_string(raw, ['$.num_songs', '$.artist_id', '$.artist_latitude', '$.artist_longitude', '$.artist_location', '$.artist_name', '$.song_id', '$.title', '$.duration', '$.year']) END AS s
  FROM docs
)
SELECT source_key, source_line, raw, reason0,
  NULLIF(CAST(j[1] AS VARCHAR), 'null') AS j_num_songs,
  NULLIF(CAST(j[2] AS VARCHAR), 'null') AS j_artist_id,
  NULLIF(CAST(j[3] AS VARCHAR), 'null') AS j_artist_latitude,
  NULLIF(CAST(j[4] AS VARCHAR), 'null') AS j_artist_longitude,
  NULLIF(CAST(j[5] AS VARCHAR), 'null') AS j_artist_location,
  NULLIF(CAST(j[6] AS VARCHAR), 'null') AS j_artist_name,
  NULLIF(CAST(j[7] AS VARCHAR), 'null') AS j_song_id,
  NULLIF(CAST(j[8] AS VARCHAR), 'null') AS j_title,
  NULLIF(CAST(j[9] AS VARCHAR), 'null') AS j_duration,
  NULLIF(CAST(j[10] AS VARCHAR), 'null') AS j_year,
  CASE WHEN starts_with(CAST(j[1] AS VARCHAR), '"') THEN s[1] END AS s_num_songs,
  CASE WHEN starts_with(CAST(j[2] AS VARCHAR), '"') THEN s[2] END AS s_artist_id,
  CASE WHEN starts_with(CAST(j[3] AS VARCHAR), '"') THEN s[3] END AS s_artist_latitude,
  CASE WHEN starts_with(CAST(j[4] AS VARCHAR), '"') THEN s[4] END AS s_artist_longitude,
  CASE WHEN starts_with(CAST(j[5] AS VARCHAR), '"') THEN s[5] END AS s_artist_location,
  CASE WHEN starts_with(CAST(j[6] AS VARCHAR), '"') THEN s[6] END AS s_artist_name,
  CASE WHEN starts_with(CAST(j[7] AS VARCHAR), '"') THEN s[7] END AS s_song_id,
  CASE WHEN starts_with(CAST(j[8] AS VARCHAR), '"') THEN s[8] END AS s_title,
  CASE WHEN starts_with(CAST(j[9] AS VARCHAR), '"') THEN s[9] END AS s_duration,
  CASE WHEN starts_with(CAST(j[10] AS VARCHAR), '"') THEN s[10] END AS s_year
FROM parsed;
