-- After staging: the session's work tables go, so the pooled session carries nothing over.
DROP TABLE IF EXISTS etl_stage_checked;
DROP VIEW IF EXISTS etl_stage_fields;
DROP TABLE IF EXISTS etl_raw_lines;
