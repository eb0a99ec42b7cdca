-- PostgreSQL: what each connection of a warehouse opened to read (sparkify sql, insights) runs
-- first, after sql/postgres/session_settings.sql. Every transaction on it is read-only: the server
-- refuses a statement that would write (SQLSTATE 25006), as DuckDB refuses one on a file opened
-- read-only. The pool runs it without waiting, so a failure goes unnoticed: sparkify sql's statement
-- and insights' queries also run in a read-only transaction begun and awaited (read_only_begin.sql).
SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;
