-- Quality check references: a few keys ({{ident:key}}) of the rows whose {{ident:column}} names no row of
-- {{ident:ref_table}} by {{ident:ref_column}} (NULL refers to nothing and passes), with the count of all failing
-- rows. The anti-join carries the column alone (the values that name nothing: usually none); only
-- the rows holding those values are read whole, where a join of whole rows dragged every row's key
-- through it (DuckDB at 8M events: several times slower). Sorted by an expression no index holds
-- (as accepted_values.sql: no read in primary-key order).
SELECT CAST(t.{{ident:key}} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing
FROM {{ident:table}} t
WHERE t.{{ident:column}} IN (
  SELECT x.{{ident:column}}
  FROM {{ident:table}} x
  LEFT JOIN {{ident:ref_table}} r ON r.{{ident:ref_column}} = x.{{ident:column}}
  WHERE x.{{ident:column}} IS NOT NULL AND r.{{ident:ref_column}} IS NULL
)
ORDER BY CAST(t.{{ident:key}} AS VARCHAR) || ''
LIMIT {{samples}};
