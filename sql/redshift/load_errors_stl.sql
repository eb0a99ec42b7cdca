-- Redshift: the load errors of one COPY (query {{query_id}}) from STL_LOAD_ERRORS (older provisioned
-- clusters without SYS views), in file and line order; the columns of load_errors_sys.sql.
SELECT TRIM(filename) AS file_name, line_number, TRIM(colname) AS column_name, TRIM(type) AS column_type,
       TRIM(raw_field_value) AS raw_value, TRIM(raw_line) AS raw_line, err_code AS error_code, TRIM(err_reason) AS error_message
FROM stl_load_errors
WHERE query = {{query_id}}
ORDER BY filename, line_number;
