-- etl_load_ledger: how many song files runs that completed have loaded. None (a new warehouse):
-- a listing need not ask the ledger about each batch of song files.
SELECT COUNT(*) AS songs
FROM etl_load_ledger l
JOIN etl_runs r ON r.run_id = l.run_id
WHERE l.kind = 'songs' AND r.status = 'completed';
