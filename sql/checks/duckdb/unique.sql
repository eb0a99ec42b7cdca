-- Quality check unique on DuckDB: what checks/unique.sql gives, found in two steps. First the hashes
-- of {{ident:column}} that more than one row holds (grouping fixed-size hashes, not the values: for
-- 6.3M songplay ids, a third of the time under the bounded pool); then, among the rows with such a
-- hash only (usually none), the values more than one row holds: a hash two values share drops out.
SELECT CAST(d.{{ident:column}} AS VARCHAR) AS sample_key, COUNT(*) OVER () AS failing
FROM (
  SELECT {{ident:column}} FROM {{ident:table}}
  WHERE {{ident:column}} IS NOT NULL
    AND hash({{ident:column}}) IN (
      SELECT hash({{ident:column}}) FROM {{ident:table}}
      WHERE {{ident:column}} IS NOT NULL
      GROUP BY 1
      HAVING COUNT(*) > 1
    )
  GROUP BY {{ident:column}}
  HAVING COUNT(*) > 1
) d
ORDER BY 1
LIMIT {{samples}};
