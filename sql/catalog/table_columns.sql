-- The columns of the tables named ({{tables}}; none for a table the warehouse lacks), in one question
-- (src/warehouse/catalog.ts): a column a later release added is added to an earlier release's table
-- (src/ledger/addedColumns.ts), or not read from it. Same text on every engine.
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name IN ({{tables}})
