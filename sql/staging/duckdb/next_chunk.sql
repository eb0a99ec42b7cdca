-- After a chunk of raw lines is staged: empty the session's work tables for the next chunk, so
-- the warehouse holds one chunk's lines at a time, whatever the input's size.
TRUNCATE etl_raw_lines;
DROP TABLE IF EXISTS etl_stage_checked;
DROP VIEW IF EXISTS etl_stage_checks;
DROP VIEW IF EXISTS etl_stage_fields;
