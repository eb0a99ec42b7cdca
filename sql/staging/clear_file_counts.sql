-- Before a kind is staged where staging counts each file's rows (engineTraits countsStagedFiles):
-- drop the run's earlier counts of that kind (a retried attempt replaces them).
DELETE FROM etl_file_counts WHERE run_id = {{run_id}} AND kind = {{kind}};
