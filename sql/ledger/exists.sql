-- etl_load_ledger: selects nothing, and fails when the table does not exist yet (a fresh
-- warehouse has loaded nothing).
SELECT 1 FROM etl_load_ledger WHERE 1 = 0;
