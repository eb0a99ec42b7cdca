-- After staging: the session's work tables go (they hold a whole input's raw lines), so the
-- rest of the transaction and the pooled session carry nothing over.
DROP VIEW IF EXISTS etl_stage_checked;
DROP TABLE IF EXISTS etl_stage_fields;
DROP TABLE IF EXISTS etl_raw_lines;
