-- The published plays whose start_time falls on another day than the event log they came from (an
-- event in one day's file timed after its midnight, UTC): listed by the songplays publish with them,
-- and their times by the time publish (sql/transform/songplays.sql, sql/transform/time.sql).

-- etl_cross_day_plays: one row per such play and log date ('YYYY-MM-DD', from the file's name). A run
-- replaces the plays of its days but keeps these plays of other days' logs, and replaces its own logs'
-- rows here: so a day's run never deletes a play that the day before's run published.
-- Plays staged by a Redshift COPY of several files, which names no file per row, are not listed.
CREATE TABLE IF NOT EXISTS etl_cross_day_plays (
  songplay_id VARCHAR(32) NOT NULL,
  start_time  TIMESTAMP NOT NULL,
  log_date    VARCHAR(10) NOT NULL
) {{table_attributes(DISTSTYLE ALL)}};

-- etl_cross_day_times: the start times of those plays, by log date, written by the time publish with
-- the times themselves (not read from the list above, which the songplays publish writes beside it):
-- a day's run keeps the times other days' logs put on its days, whichever of two neighbouring days'
-- runs publishes first (a backfill runs them at once).
CREATE TABLE IF NOT EXISTS etl_cross_day_times (
  start_time  TIMESTAMP NOT NULL,
  log_date    VARCHAR(10) NOT NULL
) {{table_attributes(DISTSTYLE ALL)}};
