-- time: one row per distinct start time of this run's plays that is not there yet, and none left
-- on the run's replaced days (parameter days) that no play of the run or cross-day play of another day's
-- log has: time holds the start times of songplays, whose publish replaces the same days. Key: start_time.
-- Source: staging_events (NextSong events with a user, as songplays), never songplays itself,
-- which the songplays publish writes while this one runs.

-- The run's logs' cross-day times (sql/schema/etl_cross_day_plays.sql), replaced: its plays' times
-- outside the day of the log they came from (named log_data/…/YYYY-MM-DD-events.json, for one of
-- the run's days; a Redshift COPY of several files names none). Written before the delete below in
-- this transaction, with the times inserted after it. Found by a table of their own first
-- (publish_lookup_table): on PostgreSQL its pass over staging then runs on parallel workers, which
-- an INSERT … SELECT does not use (0.7 s instead of 1.2 s at 1.6M events). The logs' dates and day
-- starts come from a DISTINCT subquery, which PostgreSQL does not merge into the join: merged, it
-- parsed each play's log name into a day start twice per play (1.1 s of CPU at 1.6M events, 0.5 s
-- computed once per log).
CREATE {{publish_lookup_table}} publish_cross_day_times AS
SELECT DISTINCT {{epoch_ms_to_timestamp(e.ts)}} AS start_time, l.log_date
FROM staging_events e
JOIN (
  SELECT DISTINCT source_key, {{event_log_date(source_key)}} AS log_date, {{event_log_day_start(source_key)}} AS day_start
  FROM etl_run_files
  WHERE run_id = {{run_id}} AND kind = 'events' AND {{log_day_in(source_key)}}
) AS l ON l.source_key = e.source_key
WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
  AND {{outside_log_day(e.ts, l.day_start)}};
DELETE FROM etl_cross_day_times WHERE {{day_in(log_date)}};
INSERT INTO etl_cross_day_times (start_time, log_date)
SELECT start_time, log_date FROM publish_cross_day_times;
{{session_drops}}DROP TABLE publish_cross_day_times;

-- The replaced days keep this run's plays of them and the cross-day plays other days' logs put
-- there (the songplays publish deletes every other play of those days and inserts the run's), so
-- their times that neither has go. One anti-join with time outside, against both kinds of time (a
-- second NOT EXISTS for the few listed ones plans as a loop over time's rows): where time has no
-- rows of those days, nothing else is read. Bounded by a start-time range as well (from the first
-- of the days to the end of the last), which PostgreSQL reads by time's primary key, not every day's rows.
DELETE FROM time
WHERE {{in_days(start_time)}}
  AND NOT EXISTS (
    SELECT 1
    FROM (
      SELECT {{epoch_ms_to_timestamp(e.ts)}} AS start_time
      FROM staging_events e
      WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
      UNION ALL
      SELECT x.start_time
      FROM etl_cross_day_times x
      WHERE {{day_not_in(x.log_date)}}
    ) AS kept
    WHERE kept.start_time = time.start_time
  );

-- NOT EXISTS, not NOT IN: an anti-join, where NOT IN is a SubPlan per row (start_time is never NULL).
-- Inserted in key order: PostgreSQL's primary-key index then grows at its right edge instead of
-- taking each of a million times at a random leaf (and Redshift's sort key is kept in order).
-- date_part, not EXTRACT, which PostgreSQL computes as numeric (about 8% of this insert's CPU).
-- PostgreSQL finds the distinct times by sorting the plays' times, which leaves them in key order: it
-- hashed them and then sorted what the hash gave (2.0-2.1 s of CPU at 1.6M events, 1.5-1.7 s by one
-- sort). Nor is time hashed for the anti-join: on a day's run PostgreSQL hashed every time of the
-- history to find the day's few (1.7 s of CPU with 5 months of history, where probing time's key
-- for each of the day's 31,714 times took 0.1 s); a first run still merges with time's key. The
-- settings hold for this statement only.
{{postgres_setting(enable_hashagg = off)}};
{{postgres_setting(enable_hashjoin = off)}};
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT start_time,
       CAST(date_part('hour', start_time) AS INTEGER),
       CAST(date_part('day', start_time) AS INTEGER),
       CAST(date_part('week', start_time) AS INTEGER),
       CAST(date_part('month', start_time) AS INTEGER),
       CAST(date_part('year', start_time) AS INTEGER),
       CAST(date_part('dow', start_time) AS INTEGER)
FROM (
  SELECT DISTINCT {{epoch_ms_to_timestamp(e.ts)}} AS start_time
  FROM staging_events e
  WHERE e.run_id = {{run_id}} AND e.page = 'NextSong' AND TRIM(e.userid) <> ''
) AS play_times
WHERE NOT EXISTS (SELECT 1 FROM time t WHERE t.start_time = play_times.start_time)
ORDER BY start_time;
{{postgres_setting(enable_hashagg = on)}};
{{postgres_setting(enable_hashjoin = on)}};
