-- Redshift: ends a read command's read-only transaction (read_only_begin.sql), last in its batch.
-- A rollback, not a commit: whatever the statement did, even one Redshift let through, is undone.
ROLLBACK;
