-- Fault suite fingerprint: every row of a star table {{ident:table}}, in key order ({{ident:key}}),
-- checksummed by the caller. A run that survived faults must leave exactly the same rows.
SELECT * FROM {{ident:table}} ORDER BY {{ident:key}};
