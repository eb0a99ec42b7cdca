-- Bench floor: the songplays it ended with, printed with its timings (the same work as the
-- pipeline's, so the same count).
SELECT COUNT(*) AS n FROM songplays;
