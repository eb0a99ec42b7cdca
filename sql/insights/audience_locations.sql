-- Audience: the metro areas with the most plays (as the app logged the location). Plays per
-- (location, user) first, so users are counted from those groups, not COUNT(DISTINCT) over plays.
SELECT location, SUM(plays) AS plays, COUNT(*) AS users
FROM (
  SELECT COALESCE(location, '(unknown)') AS location, user_id, COUNT(*) AS plays
  FROM songplays
  WHERE start_time >= CAST({{from_ts}} AS TIMESTAMP) AND start_time < CAST({{to_ts}} AS TIMESTAMP)
  GROUP BY COALESCE(location, '(unknown)'), user_id
) l
GROUP BY location
ORDER BY plays DESC, location
LIMIT {{limit}};
