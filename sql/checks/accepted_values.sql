-- Quality check accepted_values: a few keys ({{ident:key}}) of the rows whose {{ident:column}} is NULL or
-- not one of {{values}}, each row carrying the count of all failing rows. Sorted by an expression no index
-- holds, so PostgreSQL never reads a whole table in primary-key order, a heap fetch per row, for it.
SELECT CAST(t.{{ident:key}} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing
FROM {{ident:table}} t
WHERE t.{{ident:column}} IS NULL OR t.{{ident:column}} NOT IN ({{values}})
ORDER BY CAST(t.{{ident:key}} AS VARCHAR) || ''
LIMIT {{samples}};
