/**
 * When a run's songplays publish, running in this process, reaches its serial part. On PostgreSQL
 * the publish's passes over every play run on parallel workers, but its last statements (the
 * inserts into songplays and etl_songplay_names, the ledger) run in one backend, as PostgreSQL runs
 * no INSERT on parallel workers: at 8M events about 35 s with one of two cores idle. The run's
 * level-changes query (queryLevelChanges, which reads staging only) waits for that part instead of
 * sharing the cores with the parallel passes (docs/performance-log.md, "The level changes in the
 * songplays publish's serial part").
 *
 * Process state, keyed by run id: a query whose publish runs in another worker process, or has not
 * started, or has ended, does not wait.
 */

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

const gates = new Map<string, Gate>();

/**
 * Runs `publish` for `runId`, which calls `reached` when its serial part begins; queries waiting
 * for that part are let go then, or when the publish ends, whichever comes first (also on failure).
 */
export async function withSongplaysSerialPart<T>(runId: string, publish: (reached: () => void) => Promise<T>): Promise<T> {
  let open!: () => void;
  const gate: Gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
  gates.set(runId, gate);
  const release = () => {
    gate.open();
    if (gates.get(runId) === gate) gates.delete(runId);
  };
  try {
    return await publish(release);
  } finally {
    release();
  }
}

/**
 * Resolves once the songplays publish of `runId` running in this process has reached its serial
 * part (at once if none runs), or after `maxWaitMs`: a waiting step must still finish within its
 * own timeout when the publish's parallel passes take longer than that.
 */
export async function songplaysSerialPart(runId: string, maxWaitMs = Infinity): Promise<void> {
  const gate = gates.get(runId);
  if (!gate) return;
  if (!Number.isFinite(maxWaitMs)) return gate.promise;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([gate.promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, maxWaitMs))))]);
  } finally {
    clearTimeout(timer);
  }
}
