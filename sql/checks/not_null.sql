-- Quality check not_null: a few keys ({{ident:key}}, the table's key column) of the rows whose
-- {{ident:column}} is NULL, in key order, each row carrying the count of all failing rows.
SELECT CAST(t.{{ident:key}} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing
FROM {{ident:table}} t
WHERE t.{{ident:column}} IS NULL
ORDER BY 1
LIMIT {{samples}};
