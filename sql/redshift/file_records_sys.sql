-- Redshift: the records each file of one COPY (query {{query_id}}) loaded: lines scanned
-- (SYS_LOAD_DETAIL; a split file has several rows) minus the file's load errors. Event logs and
-- song files hold one JSON record per line, so lines are records. file_name is the file's s3:// URL.
SELECT s.file_name, s.lines - COALESCE(e.errors, 0) AS records
FROM (SELECT TRIM(file_name) AS file_name, SUM(lines_scanned) AS lines FROM sys_load_detail
      WHERE query_id = {{query_id}} GROUP BY TRIM(file_name)) AS s
LEFT JOIN (SELECT TRIM(file_name) AS file_name, COUNT(*) AS errors FROM sys_load_error_detail
           WHERE query_id = {{query_id}} GROUP BY TRIM(file_name)) AS e
  ON e.file_name = s.file_name;
