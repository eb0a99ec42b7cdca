/**
 * Heartbeats and cancellation for activities, in one place: every activity group, the staging
 * code and the worker's keepalive interceptor use these. Outside an activity (tests, tools) they
 * are no-ops.
 */
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { StatementOptions, StatementTracker } from '../warehouse/types';

/** Heartbeats when running inside an activity; a no-op when called directly (tests, tools). */
export function heartbeat(details: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // Not in an activity context.
  }
  context.heartbeat(withTrackedStatements(context, details));
}

/** Per activity attempt: statement ids by key (what a retried attempt re-attaches to), and key uses. */
const trackedStatements = new WeakMap<Context, { ids: Record<string, string>; uses: Map<string, number> }>();

// Every heartbeat carries the tracked statements: the last heartbeat's details are what the next
// attempt sees, whichever heartbeat that was.
function withTrackedStatements(context: Context, details: unknown): unknown {
  const statements = trackedStatements.get(context)?.ids;
  if (!statements || Object.keys(statements).length === 0) return details;
  const base = details !== null && typeof details === 'object' && !Array.isArray(details) ? details : { details };
  return { ...base, statements };
}

/**
 * The heartbeat-based StatementTracker of the current activity attempt (undefined outside one):
 * each statement id is heartbeated as soon as it is submitted, before it is awaited, and the next
 * attempt finds it in `info.heartbeatDetails`. The same statement text submitted n times in one
 * attempt is tracked n times, under `key#0`, `key#1`, ….
 */
export function activityTracker(): StatementTracker | undefined {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return undefined;
  }
  let state = trackedStatements.get(context);
  if (!state) {
    const previous = (context.info.heartbeatDetails as { statements?: Record<string, string> } | undefined)?.statements;
    state = { ids: { ...(previous ?? {}) }, uses: new Map() };
    trackedStatements.set(context, state);
  }
  const { ids, uses } = state;
  const current = new Map<string, string>();
  return {
    find(key) {
      const n = uses.get(key) ?? 0;
      uses.set(key, n + 1);
      current.set(key, `${key}#${n}`);
      return ids[`${key}#${n}`];
    },
    record(key, id) {
      ids[current.get(key) ?? `${key}#0`] = id;
      context.heartbeat(withTrackedStatements(context, { submitted: id }));
    },
    waiting() {
      context.heartbeat(withTrackedStatements(context, { waiting: true }));
    },
  };
}

/** The options every warehouse call of an activity should get: its cancellation and tracker. */
export function activityStatementOptions(): StatementOptions {
  return { signal: activitySignal(), tracker: activityTracker() };
}

/** How often `whileHeartbeating` beats while its work runs. */
const WHILE_WORKING_INTERVAL_MS = 10_000;

/**
 * Heartbeats every few seconds while `work` runs: a single long statement (a big publish) must
 * not look like a dead worker to Temporal's heartbeat timeout.
 */
export async function whileHeartbeating<T>(details: unknown, work: () => Promise<T>, intervalMs = WHILE_WORKING_INTERVAL_MS): Promise<T> {
  heartbeat(details);
  const timer = setInterval(() => heartbeat(details), intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The current activity attempt's start-to-close timeout in ms (undefined outside an activity). */
export function activityAttemptTimeoutMs(): number | undefined {
  try {
    return Context.current().info.startToCloseTimeoutMs;
  } catch {
    return undefined;
  }
}

/** The current activity attempt's cancellation signal (undefined outside an activity). */
export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** How often every running activity heartbeats, whatever it is doing. */
export const KEEPALIVE_INTERVAL_MS = 5_000;

/**
 * Every activity heartbeats every few seconds for as long as it runs, so a short heartbeat
 * timeout tells a dead worker (no heartbeats) from a slow step (a long statement, a big file),
 * and another worker resumes a dead one's step within seconds rather than minutes. A hung but
 * living worker is still caught by the start-to-close timeout. The beats go through `heartbeat`,
 * which carries the attempt's tracked statements along.
 */
export function keepaliveInterceptor(intervalMs = KEEPALIVE_INTERVAL_MS): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const details = { alive: ctx.info.activityType };
        const timer = setInterval(() => heartbeat(details), intervalMs);
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    },
  });
}
