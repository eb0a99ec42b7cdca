-- Which of the tables named ({{tables}}) the warehouse has (src/warehouse/catalog.ts), asked before
-- reading them: a warehouse no load has filled, or one an earlier release built, is told as such,
-- not by a query's missing table. Same text on every engine.
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ({{tables}})
