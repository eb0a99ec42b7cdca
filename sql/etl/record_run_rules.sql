-- etl_run_rules: the rules version the run loaded its files under (src/etl/versions.ts), recorded in
-- the run summary's transaction, with the run's completion (sql/etl/record_run.sql).
DELETE FROM etl_run_rules WHERE run_id = {{run_id}};

INSERT INTO etl_run_rules (run_id, rules_version) VALUES ({{run_id}}, {{rules_version}});
