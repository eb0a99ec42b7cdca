-- PostgreSQL: what each of the pipeline's pooled connections runs first. JIT off: PostgreSQL
-- compiled the plans of the publishes, checks and report queries with LLVM, in the leader and again
-- in each parallel worker, at a cost of more CPU than it saved (2-8 CPU-s per report query; 2.6 s
-- in the leader alone for publish_songplays at 8M events, which ran 2.3 s faster without it:
-- docs/performance-log.md).
-- Set only where the server has the setting (PostgreSQL 11 and later).
SELECT set_config('jit', 'off', false) FROM pg_settings WHERE name = 'jit';
-- Dates, timestamps and intervals written in ISO form (2018-11-15, 2018-11-15 09:30:26.796+01,
-- 1 day 02:00:00), the form the reads parse and DuckDB writes, whatever DateStyle and IntervalStyle
-- the server or database sets (a DateStyle of 'SQL, DMY' made timestamps 15/11/2018 …). ISO alone
-- keeps the day/month order the server reads ambiguous dates in.
SET DateStyle = ISO;
SET IntervalStyle = postgres;
