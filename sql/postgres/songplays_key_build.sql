-- PostgreSQL, last in a songplays publish that dropped songplays' primary key
-- (postgres/songplays_key_drop.sql): the key again, built from the rows in one sort (on parallel
-- workers, with room to sort in memory). It checks each key is unique, as the inserts would have.
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE songplays ADD CONSTRAINT songplays_pkey PRIMARY KEY (songplay_id);
