-- etl_load_ledger: the event logs loaded by a run that completed (a run that published and then
-- failed a quality check does not count: its date is loaded again), with the ETag each had then.
SELECT l.source_key, l.etag
FROM etl_load_ledger l
JOIN etl_runs r ON r.run_id = l.run_id
WHERE l.kind = 'events' AND r.status = 'completed';
