-- Fault suite fingerprint: a staging table's rows ({{ident:table}}) and how many of them repeat a
-- (run, file, line) already staged: a retried or overlapping staging attempt must leave none.
SELECT COUNT(*) AS n,
       COUNT(*) - COUNT(DISTINCT run_id || '|' || source_key || '|' || CAST(source_line AS VARCHAR)) AS twice
FROM {{ident:table}};
