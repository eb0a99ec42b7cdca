-- PostgreSQL, for the quality check unique: whether a unique index enforces {{column}} of {{table}}
-- alone (valid, checked at once, over every row: no predicate, no expression, no other key column).
-- Then no two rows can share a value, and the check needs no scan and group of the whole table.
SELECT COUNT(*) AS enforcing
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = to_regclass({{table}})
  AND a.attname = {{column}}
  AND i.indisunique AND i.indisvalid AND i.indisready AND i.indimmediate
  AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL;
