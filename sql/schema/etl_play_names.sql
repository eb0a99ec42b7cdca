-- What each published play names (its own repaired title and artist), for the insights report's
-- "as the plays name them" lists (sql/insights/content_played.sql), written by the songplays publish;
-- and for the plays without a song, what matching compares, so that a song published later matches them.

-- etl_play_names: one row per distinct (title, artist_name) a play has named, as repaired text
-- ('(unknown)' for a missing part); name_id is a small number given the first time a name is seen.
-- Only ever added to: a name no play has any more costs one row.
CREATE TABLE IF NOT EXISTS etl_play_names (
  name_id     INTEGER NOT NULL,
  title       {{text}} NOT NULL,
  artist_name {{text}} NOT NULL
);

-- etl_songplay_names: one row per row of songplays, with the same songplay_id, start_time and
-- user_id, the play's name and whether it matched a catalogue song. Deleted and inserted together
-- with songplays (same days, same keys, same transaction), so it holds exactly songplays' plays; a
-- play matched late gets matched = 1 in the transaction that gives it its song.
CREATE TABLE IF NOT EXISTS etl_songplay_names (
  songplay_id VARCHAR(32) NOT NULL,
  start_time  TIMESTAMP NOT NULL,
  user_id     INTEGER NOT NULL,
  name_id     INTEGER NOT NULL,
  matched     SMALLINT NOT NULL
) {{table_attributes(DISTSTYLE KEY DISTKEY(user_id) SORTKEY(start_time))}};

-- By start time, on PostgreSQL: sql/transform/unmatched_plays.sql reads a run's days' plays, and
-- marks the plays it matches late, by start time, not a pass over every day's plays. A block range
-- index (BRIN): a few pages, next to nothing to keep up as a publish inserts its plays, and a run's
-- plays are inserted together, so a day's plays lie in few ranges. Not a table a run keeps, so no
-- schema version: PostgreSQL keeps it itself, and createSchema builds it where it is missing.
{{postgres_index(etl_songplay_names_time ON etl_songplay_names USING brin (start_time) WITH (pages_per_range = 16, autosummarize = on))}};

-- etl_unmatched_plays: one row per play of songplays left without a song that could match one (its
-- title, artist and length all given), with what song matching compares: its title's and artist's
-- match keys (etl_text_repairs) and its length. Listed after each songplays publish for the run's
-- plays, and read when a later run publishes songs: a listed play that a new song fits gets it then,
-- by the publish's rule, and leaves (sql/transform/unmatched_plays.sql). Only plays without a song:
-- small beside songplays where most plays match. Plays published before it existed are not listed.
CREATE TABLE IF NOT EXISTS etl_unmatched_plays (
  songplay_id VARCHAR(32) NOT NULL,
  start_time  TIMESTAMP NOT NULL,
  song_key    {{text}} NOT NULL,
  artist_key  {{text}} NOT NULL,
  length      DOUBLE PRECISION NOT NULL
);

-- By start time, on PostgreSQL, as etl_songplay_names_time above: a run replaces its days' rows and
-- removes the plays it matched late by start time.
{{postgres_index(etl_unmatched_plays_time ON etl_unmatched_plays USING brin (start_time) WITH (pages_per_range = 16, autosummarize = on))}};
