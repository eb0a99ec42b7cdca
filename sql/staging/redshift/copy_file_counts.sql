-- Server-side staging (Redshift COPY): replaces the run's per-file record counts of a kind with
-- those of the COPY, from the session table {{ident:file_records}} (sql/redshift/file_records_*.sql),
-- each file named relative to the source root {{source_url}}.
DELETE FROM etl_file_counts WHERE run_id = {{run_id}} AND kind = {{kind}};

INSERT INTO etl_file_counts (run_id, kind, source_key, records)
SELECT {{run_id}}, {{kind}}, REPLACE(file_name, {{source_url}}, ''), records
FROM {{ident:file_records}};
