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
