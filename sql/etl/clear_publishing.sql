-- etl_publishing_runs: the run's publishes are all committed; its check step begins.
DELETE FROM etl_publishing_runs WHERE run_id = {{run_id}};
