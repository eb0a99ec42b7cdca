-- PostgreSQL: parses each raw song record of the chunk once (etl_try_json: NULL for invalid JSON) and keeps,
-- per source field, its JSON text (j_, NULL when missing or null) and its unescaped text when it
-- is a JSON string (s_). A key given twice: the last occurrence counts (DuckDB takes the first).
-- reason0 is why the record is no object at all; check_songs.sql checks fields.
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
  NULLIF(r."num_songs"::text, 'null') AS j_num_songs,
  NULLIF(r."artist_id"::text, 'null') AS j_artist_id,
  NULLIF(r."artist_latitude"::text, 'null') AS j_artist_latitude,
  NULLIF(r."artist_longitude"::text, 'null') AS j_artist_longitude,
  NULLIF(r."artist_location"::text, 'null') AS j_artist_location,
  NULLIF(r."artist_name"::text, 'null') AS j_artist_name,
  NULLIF(r."song_id"::text, 'null') AS j_song_id,
  NULLIF(r."title"::text, 'null') AS j_title,
  NULLIF(r."duration"::text, 'null') AS j_duration,
  NULLIF(r."year"::text, 'null') AS j_year,
  CASE WHEN json_typeof(r."num_songs") = 'string' THEN r."num_songs" #>> '{}' END AS s_num_songs,
  CASE WHEN json_typeof(r."artist_id") = 'string' THEN r."artist_id" #>> '{}' END AS s_artist_id,
  CASE WHEN json_typeof(r."artist_latitude") = 'string' THEN r."artist_latitude" #>> '{}' END AS s_artist_latitude,
  CASE WHEN json_typeof(r."artist_longitude") = 'string' THEN r."artist_longitude" #>> '{}' END AS s_artist_longitude,
  CASE WHEN json_typeof(r."artist_location") = 'string' THEN r."artist_location" #>> '{}' END AS s_artist_location,
  CASE WHEN json_typeof(r."artist_name") = 'string' THEN r."artist_name" #>> '{}' END AS s_artist_name,
  CASE WHEN json_typeof(r."song_id") = 'string' THEN r."song_id" #>> '{}' END AS s_song_id,
  CASE WHEN json_typeof(r."title") = 'string' THEN r."title" #>> '{}' END AS s_title,
  CASE WHEN json_typeof(r."duration") = 'string' THEN r."duration" #>> '{}' END AS s_duration,
  CASE WHEN json_typeof(r."year") = 'string' THEN r."year" #>> '{}' END AS s_year
FROM parsed AS p
LEFT JOIN LATERAL json_to_record(CASE WHEN p.reason0 IS NULL THEN p.doc END) AS r("num_songs" json, "artist_id" json, "artist_latitude" json, "artist_longitude" json, "artist_location" json, "artist_name" json, "song_id" json, "title" json, "duration" json, "year" json) ON TRUE;
