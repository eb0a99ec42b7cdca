-- PostgreSQL, first in a songplays publish (after its locks): the block ranges of the plays'
-- start-time indexes (BRIN: songplays_time, etl_songplay_names_time, etl_unmatched_plays_time in
-- sql/schema/) that no summary covers yet, summarized. Every scan of such an index reads a range
-- without a summary, whatever its start times. autosummarize asks autovacuum to summarize each range
-- a run fills, but its queue holds few requests ("request for BRIN range summarization … was not
-- recorded" in the server's log), so after a run of many plays most of its ranges wait for the
-- table's next VACUUM, and the next run's deletes of its days and the report's queries of its
-- window read every play. Here, the ranges the runs before left: none on a first load, else about
-- one run's new pages. Indexes this role does not own (an operator's setup) are left to VACUUM.
SELECT COALESCE(SUM(brin_summarize_new_values(i.oid)), 0) AS ranges_summarized
FROM pg_class i
WHERE i.oid IN (to_regclass('etl_songplay_names_time'), to_regclass('etl_unmatched_plays_time'), to_regclass('songplays_time'))
  AND pg_has_role(i.relowner, 'USAGE');
