-- Quality check accepted_values: a few keys ({{ident:key}}) of the rows whose {{ident:column}} is
-- NULL or not one of {{values}}, each row carrying the count of all failing rows.
SELECT CAST(t.{{ident:key}} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing
FROM {{ident:table}} t
WHERE t.{{ident:column}} IS NULL OR t.{{ident:column}} NOT IN ({{values}})
ORDER BY 1
LIMIT {{samples}};
