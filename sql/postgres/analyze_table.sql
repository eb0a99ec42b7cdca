-- PostgreSQL: a table's planner statistics gathered, after rows were appended to it (a table just
-- bulk-loaded has none until autovacuum gets to it, after the next statements needed them: without
-- them the joins on it go nested-loop).
ANALYZE {{ident:table}};
