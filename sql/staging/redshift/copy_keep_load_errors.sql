-- Server-side staging (Redshift COPY): the load errors COPY tolerated (MAXERROR), in the session
-- table {{ident:load_errors}} (sql/redshift/load_errors_*.sql), kept as rejected records: the file
-- relative to the source root {{source_url}}, the line, and a reason naming column, error and value.
INSERT INTO etl_rejected_records (run_id, kind, source_key, source_line, reason, raw)
SELECT {{run_id}}, {{kind}}, REPLACE(file_name, {{source_url}}, ''), CAST(line_number AS INTEGER),
       CASE WHEN column_name IS NULL OR column_name = '' THEN '' ELSE 'column ' || column_name || ' (' || column_type || '): ' END
       || error_message || ' (load error ' || CAST(error_code AS VARCHAR) || ')'
       || CASE WHEN raw_value IS NULL OR raw_value = '' THEN '' ELSE ', value ' || raw_value END,
       raw_line
FROM {{ident:load_errors}};
