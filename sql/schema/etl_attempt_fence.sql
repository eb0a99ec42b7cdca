-- etl_attempt_fence: which attempt of each run's step may commit. Every activity attempt claims
-- its step when it starts (a newer attempt takes the claim over); its write transaction first
-- checks that it still holds the claim, so an attempt that outlived its timeout cannot commit.
CREATE TABLE IF NOT EXISTS etl_attempt_fence (
  run_id  {{text}} NOT NULL,
  step    {{text}} NOT NULL,
  attempt INTEGER NOT NULL
  {{primary_key(run_id, step)}}
);
