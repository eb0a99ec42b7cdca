-- PostgreSQL: what each quality check's statement runs after, in its own transaction (not the
-- staging reconciliations' counts: src/quality/runner.ts says why).
-- The references counts hash the referenced table whole (sql/checks/references_count.sql): for
-- `songplays.start_time in time` every start time (964k at 1.6M events). Held in the 8MB of the
-- default 4MB work_mem, that hash was probed once per play at random across the whole table, a
-- cache miss a play; at 1MB PostgreSQL splits both sides into batches (32 at 1.6M events) whose
-- tables stay in the core's cache: 0.48-0.52 CPU-s against 0.63-0.84 (docs/performance-log.md).
-- The checks' other hashes and sorts are small (users, a few failing rows).
SET LOCAL work_mem = '1MB';
-- No parallel workers: the step runs two checks at once (src/quality/runner.ts, checkLanes), one a
-- core, and each worker rebuilt the hash (or its share of it) and added CPU for no core it had.
SET LOCAL max_parallel_workers_per_gather = 0;
