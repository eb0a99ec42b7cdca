-- PostgreSQL: the transaction's queries run in its own backend only, on no parallel workers. For
-- the level-changes query run in the songplays publish's serial part (src/activities/songplaysSerialPart.ts):
-- that part keeps one core busy with its inserts, and the query takes the other, not both.
SET LOCAL max_parallel_workers_per_gather = 0;
