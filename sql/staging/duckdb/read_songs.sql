-- Direct staging: local song files that hold one JSON object amid whitespace (survey_songs.sql
-- picked them) into etl_raw_lines: the object is the file's one record, on the line it starts on,
-- as src/staging/songFile.ts splits it. A file of only whitespace has no records.
INSERT INTO etl_raw_lines (source_key, source_line, raw, problem)
WITH files AS (
  SELECT m.key, decode(b.content) AS text
  FROM read_blob([{{paths}}]) AS b
  JOIN (SELECT unnest([{{paths}}]) AS path, unnest([{{keys}}]) AS key) AS m ON b.filename = m.path
), trimmed AS (
  SELECT key, text, ltrim(text, ' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12) || chr(65279)) AS rest
  FROM files
), padded AS (
  SELECT key, rest, left(text, length(text) - length(rest)) AS blank FROM trimmed
)
SELECT key,
  CAST(1 + length(blank) - length(replace(blank, chr(10), '')) AS INTEGER),
  rtrim(rest, ' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12) || chr(65279)),
  NULL
FROM padded
WHERE rest <> '';
