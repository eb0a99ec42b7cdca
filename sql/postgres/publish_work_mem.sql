-- PostgreSQL: the memory a publish transaction's sorts and hashes may take before spilling to disk
-- (the server's default is 4MB). The songplays publish sorts every play of the run by its key, and
-- time hashes and sorts every play's start time; at 1.6M events both spilled hundreds of MB.
SET LOCAL work_mem = '256MB';
