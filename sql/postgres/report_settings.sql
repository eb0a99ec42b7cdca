-- PostgreSQL: what each insights query (sql/insights/) runs after, in its own transaction (JIT is
-- already off on every connection: sql/postgres/session_settings.sql).
-- Room for the report's hash aggregates: at the default 4MB, PostgreSQL sorted the plays on disk
-- for groupings it could not size (plays per hour and weekday was planned as 800k groups, not 168).
-- 256MB, not 64MB: at 8M events audience_levels otherwise sorted every play on disk (~1 GB) to
-- group them by user, level, location and agent, and revenue_level_changes spilled its spans.
-- Two queries run at once, each with a few such nodes: well inside the server's memory.
SET LOCAL work_mem = '256MB';
