-- What each published play names (its own repaired title and artist), for the insights report's
-- "as the plays name them" lists (sql/insights/content_played.sql), written by the songplays publish.

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
-- with songplays (same days, same keys, same transaction), so it holds exactly songplays' plays.
CREATE TABLE IF NOT EXISTS etl_songplay_names (
  songplay_id VARCHAR(32) NOT NULL,
  start_time  TIMESTAMP NOT NULL,
  user_id     INTEGER NOT NULL,
  name_id     INTEGER NOT NULL,
  matched     SMALLINT NOT NULL
) {{table_attributes(DISTSTYLE KEY DISTKEY(user_id) SORTKEY(start_time))}};
