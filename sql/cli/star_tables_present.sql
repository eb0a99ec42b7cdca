-- sparkify insights, runs cleanup and runs list, before their queries: which of the tables they read ({{tables}})
-- the warehouse has, so a warehouse no load has filled, or one an earlier release loaded, is told as
-- such, not by a query's missing table. Same text on every engine.
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ({{tables}})
