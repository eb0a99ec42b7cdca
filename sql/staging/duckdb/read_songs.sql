-- Direct staging: etl_direct_lines, a view of local song files that hold one JSON object amid
-- whitespace (survey_songs.sql picked them): the object is the file's one record, on the line it starts on,
-- as src/staging/songFile.ts splits it. A file of only whitespace has no records.
CREATE OR REPLACE TEMP VIEW etl_direct_lines AS
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
SELECT key AS source_key,
  CAST(1 + length(blank) - length(replace(blank, chr(10), '')) AS INTEGER) AS source_line,
  rtrim(rest, ' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12) || chr(65279)) AS raw,
  CAST(NULL AS VARCHAR) AS problem
FROM padded
WHERE rest <> '';
