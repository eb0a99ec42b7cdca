-- copy_timeout_off (PostgreSQL): no statement timeout for the COPY … FROM STDIN that follows, in its
-- transaction only. The server counts a COPY until its last row, and staging sends rows as it reads
-- the files, so the statement lasts as long as the reading. The activity's own timeouts and
-- heartbeats bound it instead, and an abort cancels it (src/warehouse/postgres.ts).
SET LOCAL statement_timeout = 0;
