-- Content: the most played songs by what each play itself names (its title and artist, repaired),
-- whatever the catalogue holds. matched_plays: how many of those plays were matched to a catalogue song.
-- Plays are the published songplays in the window; their text comes from the raw events (an event
-- staged twice, or by several runs, counts once: joined by its songplay_id).
WITH played AS (
  SELECT {{songplay_id(e)}} AS songplay_id,
         MIN(COALESCE(song.repaired, e.song)) AS title,
         MIN(COALESCE(artist.repaired, e.artist)) AS artist_name
  FROM staging_events e
  LEFT JOIN etl_text_repairs song ON song.run_id = e.run_id AND song.kind = 'text' AND song.raw = e.song
  LEFT JOIN etl_text_repairs artist ON artist.run_id = e.run_id AND artist.kind = 'text' AND artist.raw = e.artist
  WHERE e.page = 'NextSong' AND TRIM(e.userid) <> '' AND e.ts >= {{from_ms}} AND e.ts < {{to_ms}}
  GROUP BY {{songplay_id(e)}}
)
SELECT COALESCE(pl.title, '(unknown)') AS title, COALESCE(pl.artist_name, '(unknown)') AS artist_name,
       COUNT(*) AS plays, COUNT(DISTINCT p.user_id) AS listeners, COUNT(p.song_id) AS matched_plays
FROM songplays p
JOIN played pl ON pl.songplay_id = p.songplay_id
WHERE p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY COALESCE(pl.title, '(unknown)'), COALESCE(pl.artist_name, '(unknown)')
ORDER BY plays DESC, title, artist_name
LIMIT {{limit}};
