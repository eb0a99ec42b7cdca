-- Direct staging of local song files: which listed files DuckDB reads itself (read_blob). One row
-- per file: key, size, and whether the worker splits it instead (src/staging/songFile.ts): over
-- max_song_bytes, not UTF-8, a NUL byte, or anything but one JSON object amid whitespace.
WITH files AS (
  SELECT m.key, b.size, CASE WHEN b.size <= {{max_song_bytes}} THEN try(decode(b.content)) END AS text
  FROM read_blob([{{paths}}]) AS b
  JOIN (SELECT unnest([{{paths}}]) AS path, unnest([{{keys}}]) AS key) AS m ON b.filename = m.path
), trimmed AS (
  SELECT key, size, text, trim(text, ' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12) || chr(65279)) AS record
  FROM files
)
SELECT key, size,
  COALESCE(strpos(text, chr(0)) > 0 OR (record <> '' AND NOT (starts_with(record, '{') AND json_valid(record))), TRUE) AS to_worker
FROM trimmed
ORDER BY key;
