-- sparkify doctor: the smallest query that proves the warehouse answers and the database and
-- credentials are valid. Same text on every engine.
SELECT 1 AS ok
