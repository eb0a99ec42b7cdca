/**
 * Defaults and bounds of the run settings, in one place for the workflows, the CLI and the quality
 * checks. Plain data: workflow-safe.
 */

export const RUN_DEFAULTS = {
  /** Highest tolerated share of rejected records per record kind before the run fails. */
  maxRejectRate: 0.01,
  /** Largest duration difference in seconds for a repaired song match. */
  durationTolerance: 2,
  /** Below this share of matched plays, the match-rate check warns. */
  matchRateWarnBelow: 0.5,
  /** An empty or missing day warns rather than fails. */
  failOnEmpty: false,
} as const;

/**
 * Attempts the ETL workflow gives a step before it fails the run (src/workflows/etl.ts): quick
 * bookkeeping steps, and long loads. A step that decides by itself whether it will be tried again
 * (runQualityChecks, beside another run's publish) reads the same number.
 */
export const STEP_ATTEMPTS = { quick: 10, loads: 30 } as const;

/** How long one attempt of such a step may run (its start-to-close timeout), in ms. */
export const STEP_TIMEOUT_MS = { quick: 10 * 60_000, loads: 6 * 60 * 60_000 } as const;

/** The longest wait between two attempts of a step (the retry policies' maximum interval), in ms. */
export const RETRY_INTERVAL_MAX_MS = 20_000;

/**
 * Attempts a failed run's record (recordFailedRun) gets: few, since the failure it follows is often
 * the warehouse being gone, and the run reports that failure only once its record has been tried.
 */
export const FAILURE_RECORD_ATTEMPTS = 3;

/**
 * How long a worker keeps its DuckDB files open once no activity is running
 * (src/activities/idleFileRelease.ts). Longer than the pause between one run's steps (tens of
 * milliseconds), so a run keeps its file; short enough that `sparkify sql` or `insights` after a
 * run through `sparkify dev` finds the file let go (the read commands wait 3 times this for it).
 */
export const IDLE_FILE_RELEASE_MS = 1000;

export const BACKFILL_DEFAULTS = {
  /** Dates running at once. */
  concurrency: 4,
  /** Dates one workflow run handles before continuing as new, so history stays bounded. */
  datesPerRun: 100,
} as const;

/** What the backfill workflow accepts (src/workflows/inputs.ts), and so what its CLI flags accept. */
export const BACKFILL_LIMITS = {
  concurrency: { min: 1, max: 100 },
  datesPerRun: { min: 1, max: 10_000 },
} as const;

/** What the scheduled run accepts (src/workflows/inputs.ts), and so what `schedule --offset-days` accepts. */
export const SCHEDULE_LIMITS = {
  offsetDays: { min: -366, max: 366 },
} as const;
