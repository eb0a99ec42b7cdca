-- After staging: the session's work tables and views go, so the pooled session carries nothing over.
DROP TABLE IF EXISTS etl_stage_checked;
DROP VIEW IF EXISTS etl_stage_checks;
DROP VIEW IF EXISTS etl_stage_fields;
DROP VIEW IF EXISTS etl_direct_unstaged;
DROP VIEW IF EXISTS etl_direct_lines;
DROP TABLE IF EXISTS etl_raw_lines;
