-- Quality check unique: a few values of {{ident:column}} that more than one row holds (NULLs
-- aside), in order, each row carrying the count of all duplicated values.
SELECT CAST(d.{{ident:column}} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing
FROM (
  SELECT {{ident:column}} FROM {{ident:table}}
  WHERE {{ident:column}} IS NOT NULL
  GROUP BY {{ident:column}}
  HAVING COUNT(*) > 1
) d
ORDER BY 1
LIMIT {{samples}};
