-- Direct staging: etl_direct_lines, a view of the raw lines of a batch of local event logs, split by DuckDB as the
-- worker's line reader does (src/etl/lineReader.ts): a leading byte-order mark dropped, LF or CRLF
-- ends a line, blank lines skipped but counted, a line over max_line_bytes rejected with its length.
-- Each file's key is looked up in the lists (a join would copy each file's text), and only a line that starts with
-- whitespace is trimmed to see whether it is blank (a trim copies the line).
CREATE OR REPLACE TEMP VIEW etl_direct_lines AS
WITH files AS (
  SELECT [{{keys}}][list_position([{{paths}}], b.filename)] AS key, decode(b.content) AS text
  FROM read_blob([{{paths}}]) AS b
), split AS (
  SELECT key, string_split(CASE WHEN starts_with(text, chr(65279)) THEN substr(text, 2) ELSE text END, chr(10)) AS lines
  FROM files
), numbered AS (
  SELECT key, CAST(generate_subscripts(lines, 1) AS INTEGER) AS line, unnest(lines) AS text
  FROM split
), measured AS (
  SELECT key, line, text, strlen(text) > {{max_line_bytes}} AS over_long,
    CASE WHEN ends_with(text, chr(13)) THEN left(text, length(text) - 1) ELSE text END AS stripped
  FROM numbered
)
SELECT key AS source_key, line AS source_line,
  CASE WHEN over_long THEN left(text, {{raw_cap}}) ELSE stripped END AS raw,
  CASE WHEN over_long THEN 'line is ' || strlen(text) || ' bytes long, more than the limit of ' || {{max_line_bytes}} END AS problem
FROM measured
WHERE over_long OR ascii(stripped) > 32 OR ltrim(stripped, ' ' || chr(9) || chr(13) || chr(11) || chr(12)) <> '';
