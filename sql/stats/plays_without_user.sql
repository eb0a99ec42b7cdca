-- NextSong events of this run with an empty userId: staged (nothing is lost) but not a songplay,
-- since a play must belong to a user. Reported in the run summary.
SELECT COUNT(*) AS plays_without_user
FROM staging_events
WHERE run_id = {{run_id}} AND page = 'NextSong' AND (userid IS NULL OR TRIM(userid) = '');
