-- The staging-delete rule, before a kind is staged (by every engine and staging path): drop what
-- this run, or an earlier run for these same files, staged in {{ident:table}}, so a retried
-- attempt replaces its own rows and a file is never staged twice.
DELETE FROM {{ident:table}} WHERE run_id = {{run_id}} OR source_key IN
  (SELECT source_key FROM etl_run_files WHERE run_id = {{run_id}} AND kind = {{kind}});
