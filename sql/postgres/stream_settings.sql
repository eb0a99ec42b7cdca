-- PostgreSQL: what each connection of the streamed reads' pool runs first, after
-- sql/postgres/session_settings.sql. No statement timeout: the server counts a streamed query until
-- its last row, and its caller reads the rows as it goes (staging reads the run's file list while it
-- stages the files), so the query lasts as long as the caller's work. The caller's activity bounds it
-- instead, and an abort cancels it (src/warehouse/postgres.ts).
SET statement_timeout = 0;
