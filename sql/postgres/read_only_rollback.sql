-- PostgreSQL: ends the read-only transaction a statement of sparkify sql or an insights query ran
-- in (read_only_begin.sql).
-- A rollback: whatever the statement did (a COMMIT of its own included: this then only warns) is undone.
ROLLBACK;
