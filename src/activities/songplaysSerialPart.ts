/**
 * When a run's songplays publish, running in this process, reaches its serial part. On PostgreSQL
 * the publish's passes over every play run on parallel workers, but its last statements (the
 * inserts into songplays and etl_songplay_names, the ledger) run in one backend, as PostgreSQL runs
 * no INSERT on parallel workers: at 8M events about 35 s with one of two cores idle. The run's
 * level-changes query (queryLevelChanges, which reads staging only) and its time publish (loadTime,
 * which writes none of the tables the songplays publish reads or writes) wait for that part instead
 * of sharing the cores with the parallel passes (docs/performance-log.md, "The level changes in the
 * songplays publish's serial part", "The time publish in the songplays publish's serial part").
 *
 * Process state, keyed by run id: a step whose publish runs in another worker process, or has
 * ended, does not wait; nor one whose publish has not started (the time publish gives it a moment).
 */
import { activityAttemptTimeoutMs, whileHeartbeating } from './heartbeat';
import { recordTurnWait } from './turnWaits';

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

const gates = new Map<string, Gate>();
/** Those waiting for a run's publish to start in this process (songplaysSerialPartOnceStarted). */
const awaitingStart = new Map<string, Set<() => void>>();

/**
 * Runs `publish` for `runId`, which calls `reached` when its serial part begins; queries waiting
 * for that part are let go then, or when the publish ends, whichever comes first (also on failure).
 */
export async function withSongplaysSerialPart<T>(runId: string, publish: (reached: () => void) => Promise<T>): Promise<T> {
  let open!: () => void;
  const gate: Gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
  gates.set(runId, gate);
  for (const started of awaitingStart.get(runId) ?? []) started();
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

/**
 * As songplaysSerialPart, for a step the workflow starts together with the songplays publish (the
 * time publish): the publish may not have begun in this process yet, so a run without one waits
 * up to `startWithinMs` for it to begin, and then does not wait for it.
 */
export async function songplaysSerialPartOnceStarted(runId: string, startWithinMs: number, maxWaitMs = Infinity): Promise<void> {
  const waitStarted = Date.now();
  if (!gates.has(runId)) {
    let started!: () => void;
    const start = new Promise<void>((resolve) => (started = resolve));
    let timer: NodeJS.Timeout | undefined;
    const waiting = awaitingStart.get(runId) ?? new Set();
    awaitingStart.set(runId, waiting.add(started));
    try {
      await Promise.race([start, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, startWithinMs))))]);
    } finally {
      clearTimeout(timer);
      waiting.delete(started);
      if (waiting.size === 0 && awaitingStart.get(runId) === waiting) awaitingStart.delete(runId);
    }
  }
  await songplaysSerialPart(runId, maxWaitMs - (Date.now() - waitStarted));
}

/**
 * An activity's wait for its run's serial part, heartbeating: at most half the attempt's timeout
 * (the other half is the step's own work). `startWithinMs`: the step was started together with
 * the publish (songplaysSerialPartOnceStarted); otherwise after it (songplaysSerialPart).
 */
export async function awaitSongplaysSerialPart(runId: string, startWithinMs?: number): Promise<void> {
  const maxWaitMs = (activityAttemptTimeoutMs() || Infinity) / 2;
  const since = performance.now();
  await whileHeartbeating({ waiting: 'songplays publish: serial part' }, () =>
    startWithinMs === undefined ? songplaysSerialPart(runId, maxWaitMs) : songplaysSerialPartOnceStarted(runId, startWithinMs, maxWaitMs),
  );
  recordTurnWait("the songplays publish's serial part", since);
}
