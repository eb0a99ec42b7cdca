-- PostgreSQL: the first statement of a schema creation. Two sessions creating the same table at
-- once can both pass CREATE TABLE IF NOT EXISTS and one then fails on the catalog's unique index;
-- this transaction lock makes them queue.
SELECT pg_advisory_xact_lock(hashtext('sparkify-etl schema'));
