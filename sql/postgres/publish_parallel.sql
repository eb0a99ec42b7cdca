-- PostgreSQL, the songplays publish: its statements that read every play (the run's distinct
-- triples, its copies, publish_songplays sorted by key) planned on parallel workers, which the
-- default costs chose only for some. With one core left idle beside the other publishes, that halves them.
SET LOCAL parallel_setup_cost = 100;
SET LOCAL parallel_tuple_cost = 0.01;
