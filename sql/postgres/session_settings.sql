-- PostgreSQL: what each of the pipeline's pooled connections runs first. JIT off: PostgreSQL
-- compiled the plans of the publishes, checks and report queries with LLVM, in the leader and again
-- in each parallel worker, at a cost of more CPU than it saved (2-8 CPU-s per report query; 2.6 s
-- in the leader alone for publish_songplays at 8M events, which ran 2.3 s faster without it:
-- docs/performance-log.md).
-- Set only where the server has the setting (PostgreSQL 11 and later).
SELECT set_config('jit', 'off', false) FROM pg_settings WHERE name = 'jit';
