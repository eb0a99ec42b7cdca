-- Quality check references, first step: how many rows of {{ident:table}} have a {{ident:column}} that names no
-- row of {{ident:ref_table}} by {{ident:ref_column}} (NULL refers to nothing and passes). One anti-join; only when
-- some fail does checks/references.sql list a few of their keys (usually none fail).
SELECT COUNT(*) AS failing
FROM {{ident:table}} x
LEFT JOIN {{ident:ref_table}} r ON r.{{ident:ref_column}} = x.{{ident:column}}
WHERE x.{{ident:column}} IS NOT NULL AND r.{{ident:ref_column}} IS NULL;
