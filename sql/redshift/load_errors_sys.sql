-- Redshift: the load errors of one COPY (query {{query_id}}) from SYS_LOAD_ERROR_DETAIL (Serverless
-- and current clusters), in file and line order. STL_LOAD_ERRORS gives the same columns (load_errors_stl.sql).
SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(column_type) AS column_type,
       CAST(NULL AS VARCHAR) AS raw_value, CAST(NULL AS VARCHAR) AS raw_line, error_code, TRIM(error_message) AS error_message
FROM sys_load_error_detail
WHERE query_id = {{query_id}}
ORDER BY file_name, line_number;
