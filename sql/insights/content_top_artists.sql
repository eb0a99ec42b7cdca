-- Content: the most played artists (matched plays only, like content_top_songs).
SELECT p.artist_id, a.name AS artist_name, COUNT(*) AS plays, COUNT(DISTINCT p.user_id) AS listeners
FROM songplays p
LEFT JOIN artists a ON a.artist_id = p.artist_id
WHERE p.artist_id IS NOT NULL
  AND p.start_time >= CAST({{from_ts}} AS TIMESTAMP) AND p.start_time < CAST({{to_ts}} AS TIMESTAMP)
GROUP BY p.artist_id, a.name
ORDER BY plays DESC, p.artist_id
LIMIT {{limit}};
