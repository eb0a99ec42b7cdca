-- PostgreSQL: opens the read-only transaction a statement of sparkify sql, or an insights query
-- with its settings, runs in, awaited before it (a failure fails the command). The session default set on connecting (read_only_session.sql)
-- is applied without waiting, and a failure there went unnoticed: a write then went through.
BEGIN TRANSACTION READ ONLY;
