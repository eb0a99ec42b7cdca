-- copy_timeout_back (PostgreSQL): the connection's statement timeout again after a COPY … FROM STDIN
-- (sql/postgres/copy_timeout_off.sql), for the rest of its transaction.
SET LOCAL statement_timeout TO DEFAULT;
