-- etl_attempt_fence (PostgreSQL): the first statement of a claim. Claims of one step queue on this
-- transaction lock, so two attempts claiming at once (one paused mid-claim) cannot both find no
-- row and both insert one.
SELECT pg_advisory_xact_lock(hashtext({{run_id}} || '|' || {{step}}));
