-- etl_run_rules: selects nothing, and fails when the table does not exist (a warehouse no run of a
-- release recording rules versions has upgraded yet: every file it loaded is of rules version 0).
SELECT 1 FROM etl_run_rules WHERE 1 = 0;
