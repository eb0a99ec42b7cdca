-- PostgreSQL, the songplays publish: each of its scans of a table starts at the table's first page.
-- By default a scan of a table over a quarter of shared_buffers starts where another scan of it is
-- (synchronize_seqscans): the publish's pass over the run's staging, beside the time and users
-- publishes and the level changes reading it too, began mid-partition and wrote the plays from there
-- around to its start. The plays' start-time indexes (BRIN) still found a day in few block ranges,
-- but PostgreSQL costs such a scan by how start_time follows the table's order, which the wrap took
-- from 1.00 to about 0 (-0.13 after an 8M-event load, -0.02 after a night): it then read every play
-- for the next night's deletes and for a report of one day (docs/performance-log.md).
SET LOCAL synchronize_seqscans = off;
