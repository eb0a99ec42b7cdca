-- Before a kind is staged: drop the run's earlier rejects of that kind (a retried attempt
-- replaces them).
DELETE FROM etl_rejected_records WHERE run_id = {{run_id}} AND kind = {{kind}};
