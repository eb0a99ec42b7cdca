-- Content: the most played songs. Only plays matched to a song count here; content_match_daily
-- says how many plays that leaves out.
SELECT p.song_id, s.title, a.name AS artist_name, COUNT(*) AS plays, COUNT(DISTINCT p.user_id) AS listeners
FROM songplays p
JOIN songs s ON s.song_id = p.song_id
LEFT JOIN artists a ON a.artist_id = p.artist_id
WHERE p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY p.song_id, s.title, a.name
ORDER BY plays DESC, p.song_id
LIMIT {{limit}};
