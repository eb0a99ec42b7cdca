-- users (dimension): one row per user with at least one NextSong event; level is the level of
-- the user's latest event, names and gender those of their latest event that names them. Small:
-- copied to every node on Redshift.
CREATE TABLE IF NOT EXISTS users (
  user_id    INTEGER NOT NULL,
  first_name {{text}},
  last_name  {{text}},
  gender     {{text}},
  level      {{text}}
  {{primary_key(user_id)}}
) {{table_attributes(DISTSTYLE ALL SORTKEY(user_id))}};
