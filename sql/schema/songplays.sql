-- songplays (fact): one row per NextSong event.
-- Key: songplay_id, md5 of the event's identity (user as its whole number, session, item in session,
-- ts), so loading the same event twice gives the same id. Sorted by start_time, the column every
-- report filters on.
CREATE TABLE IF NOT EXISTS songplays (
  songplay_id VARCHAR(32) NOT NULL,
  start_time  TIMESTAMP NOT NULL,
  user_id     INTEGER NOT NULL,
  level       {{text}},
  song_id     {{text}},
  artist_id   {{text}},
  session_id  BIGINT,
  location    {{text}},
  user_agent  {{text}}
  {{primary_key(songplay_id)}}
) {{table_attributes(DISTSTYLE KEY DISTKEY(user_id) SORTKEY(start_time))}};

-- By start time, on PostgreSQL: a run replaces its days' plays (sql/transform/songplays.sql) by a
-- start-time range, not by a pass over every day's plays. A block range index (BRIN), as
-- etl_songplay_names_time (sql/schema/etl_play_names.sql): a few pages, next to nothing to keep up as
-- a publish inserts its plays (a B-tree would take each play at a random leaf: they are inserted in
-- songplay_id order), and a run's plays are inserted together, so a day's plays lie in few ranges.
-- Not a table a run keeps, so no schema version: createSchema builds it where it is missing.
{{postgres_index(songplays_time ON songplays USING brin (start_time) WITH (pages_per_range = 16, autosummarize = on))}};
