-- PostgreSQL: the transaction's queries run in its own backend only, on no parallel workers. For
-- the level-changes query run in the songplays publish's serial part (src/activities/songplaysSerialPart.ts):
-- that part keeps one core busy with its inserts, and the query takes the other, not both. And for
-- the report's queries, two of which run at once (src/insights/queries.ts): at 8M events their
-- workers only contended for the two cores (the report 10.3-11.0 s with them, 9.3-10.0 s without;
-- docs/performance-log.md).
SET LOCAL max_parallel_workers_per_gather = 0;
