-- PostgreSQL: the database the warehouse is and its encoding (server_encoding is the database's),
-- which createSchema and the doctor require to be UTF8 (src/warehouse/databaseEncoding.ts).
SELECT current_database() AS database, current_setting('server_encoding') AS encoding;
