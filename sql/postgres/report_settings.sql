-- PostgreSQL: what each insights query (sql/insights/) runs after, in its own transaction. JIT off:
-- the report's plans cost enough for PostgreSQL to compile them with LLVM, which took 2-8 CPU-s per
-- query (in every parallel worker) against well under that for running it, at any data size.
SET LOCAL jit = off;
-- Room for the report's hash aggregates: at the default 4MB, PostgreSQL sorted the plays on disk
-- for groupings it could not size (plays per hour and weekday was planned as 800k groups, not 168).
-- 256MB, not 64MB: at 8M events audience_levels otherwise sorted every play on disk (~1 GB) to
-- group them by user, level, location and agent, and revenue_level_changes spilled its spans.
-- Two queries run at once, each with a few such nodes: well inside the server's memory.
SET LOCAL work_mem = '256MB';
