-- The raw-line path (lines the worker streamed into etl_raw_lines): the chunk's checked records
-- (the view check_<kind>.sql makes) materialized once, for the two inserts of insert_<kind>.sql.
DROP TABLE IF EXISTS etl_stage_checked;
CREATE TEMP TABLE etl_stage_checked AS SELECT * FROM etl_stage_checks;
