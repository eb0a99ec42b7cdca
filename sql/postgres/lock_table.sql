-- PostgreSQL: the first statements of a publish transaction, one per table it writes. SHARE ROW
-- EXCLUSIVE conflicts with itself but not with readers: two publishes of the same table queue.
LOCK TABLE {{ident:table}} IN SHARE ROW EXCLUSIVE MODE;
