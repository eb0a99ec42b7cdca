-- Content: the most played artists by the artist name each play itself carries (repaired), whatever
-- the catalogue holds (see content_played_songs). matched_plays: plays matched to a catalogue song.
WITH played AS (
  SELECT {{songplay_id(e)}} AS songplay_id,
         MIN(COALESCE(artist.repaired, e.artist)) AS artist_name
  FROM staging_events e
  LEFT JOIN etl_text_repairs artist ON artist.run_id = e.run_id AND artist.kind = 'text' AND artist.raw = e.artist
  WHERE e.page = 'NextSong' AND TRIM(e.userid) <> '' AND e.ts >= {{from_ms}} AND e.ts < {{to_ms}}
  GROUP BY {{songplay_id(e)}}
)
SELECT COALESCE(pl.artist_name, '(unknown)') AS artist_name,
       COUNT(*) AS plays, COUNT(DISTINCT p.user_id) AS listeners, COUNT(p.song_id) AS matched_plays
FROM songplays p
JOIN played pl ON pl.songplay_id = p.songplay_id
WHERE p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY COALESCE(pl.artist_name, '(unknown)')
ORDER BY plays DESC, artist_name
LIMIT {{limit}};
