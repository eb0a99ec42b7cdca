-- etl_attempt_fence: the first statement of a fenced write transaction. It writes the step's claim
-- row (PostgreSQL: a row lock held to commit, so a newer claim waits; DuckDB: a write conflict
-- with a concurrent claim) and fails the transaction, through a cast of a message that is not a
-- number, unless this attempt still holds the claim. Redshift needs no fence (see fence.ts).
UPDATE etl_attempt_fence
SET attempt = CAST(
  CASE WHEN attempt = {{attempt}} THEN CAST(attempt AS {{text}})
       ELSE 'stale attempt ' || CAST({{attempt}} AS {{text}}) || ' of ' || step || ' fenced out by attempt ' || CAST(attempt AS {{text}})
  END AS INTEGER)
WHERE run_id = {{run_id}} AND step = {{step}};
