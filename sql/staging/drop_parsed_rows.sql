-- After staging parsed rows: the session table goes, so the pooled session carries nothing over.
DROP TABLE IF EXISTS etl_parsed_rows;
