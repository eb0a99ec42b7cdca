-- PostgreSQL, first in a songplays publish into an empty songplays (postgres/songplays_empty.sql):
-- its primary key goes for the publish, and postgres/songplays_key_build.sql builds it again before
-- the commit. Kept through the insert, the key needs the plays in key order (in another order each
-- play's key goes to a random leaf of the B-tree: 52.9 s against 11.7 s for 6.3M plays), so every
-- play was sorted and one process merged and wrote them; built once after the rows, the key is one
-- sort on parallel workers (4.1 s). ALTER TABLE takes songplays' ACCESS EXCLUSIVE lock: until the
-- commit, readers of songplays (a table that had no row) wait.
ALTER TABLE songplays DROP CONSTRAINT songplays_pkey;
