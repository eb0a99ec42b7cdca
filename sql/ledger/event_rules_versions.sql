-- etl_run_rules: the rules version each event log of the ledger was loaded under, where recorded
-- for the ledger row's run (an event log without one was loaded under rules version 0).
SELECT l.source_key, v.rules_version
FROM etl_load_ledger l
JOIN etl_run_rules v ON v.run_id = l.run_id
WHERE l.kind = 'events';
