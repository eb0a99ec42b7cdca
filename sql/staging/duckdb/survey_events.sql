-- Direct staging of local event logs: which listed files DuckDB reads itself (read_blob). One row
-- per file: its key, size and whether it goes to the worker's line reader instead (not valid
-- UTF-8, or holds a NUL byte), which rejects those lines with its own reasons.
SELECT m.key, b.size,
  COALESCE(strpos(try(decode(b.content)), chr(0)) > 0, TRUE) AS to_worker
FROM read_blob([{{paths}}]) AS b
JOIN (SELECT unnest([{{paths}}]) AS path, unnest([{{keys}}]) AS key) AS m ON b.filename = m.path
ORDER BY m.key;
