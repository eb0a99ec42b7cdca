-- The staging-delete rule, before a kind is staged (by every engine and staging path): drop what
-- this run staged in {{ident:table}} before, so a retried attempt replaces its own rows, and what
-- runs recorded completed staged for these same files (published, so only space). Another run's
-- rows stay until it is recorded completed: it may still be going (windows overlap; every run
-- lists the new song files), and deleting its rows made it publish its days with nothing in them
-- while both runs completed. Every step reads its own run's rows only.
DELETE FROM {{ident:table}} WHERE run_id = {{run_id}} OR (
  source_key IN (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}})
  AND run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed'));
