-- Redshift: file_records_sys.sql from STL_LOAD_COMMITS and STL_LOAD_ERRORS, for older provisioned
-- clusters without SYS views: records per file of one COPY (query {{query_id}}).
SELECT s.file_name, s.lines - COALESCE(e.errors, 0) AS records
FROM (SELECT TRIM(filename) AS file_name, SUM(lines_scanned) AS lines FROM stl_load_commits
      WHERE query = {{query_id}} GROUP BY TRIM(filename)) AS s
LEFT JOIN (SELECT TRIM(filename) AS file_name, COUNT(*) AS errors FROM stl_load_errors
           WHERE query = {{query_id}} GROUP BY TRIM(filename)) AS e
  ON e.file_name = s.file_name;
