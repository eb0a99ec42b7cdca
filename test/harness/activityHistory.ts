import type { WorkflowHandle } from '@temporalio/client';

/** temporal.api.enums.v1.PendingActivityState: a worker has the activity. */
const PENDING_ACTIVITY_STATE_STARTED = 2;

/** One activity of a workflow, named by its activity id (unique within the run) and type. */
export interface ActivityRef {
  workflowId: string;
  runId: string;
  activityId: string;
  activityType: string;
}

type Handle = Pick<WorkflowHandle, 'workflowId' | 'fetchHistory' | 'describe'>;

/** temporal.api.enums.v1.PendingActivityState, by number. */
const PENDING_ACTIVITY_STATES = ['UNSPECIFIED', 'SCHEDULED', 'STARTED', 'CANCEL_REQUESTED', 'PAUSED', 'PAUSE_REQUESTED'];

/**
 * The workflow's pending activities as one line, for a wait's message when it gives up: each one's
 * type, state, attempt and its last attempt's failure, e.g. `stageEvents SCHEDULED attempt 3 (last
 * failure: activity Heartbeat timeout)`.
 */
export async function pendingActivitiesLine(handle: Pick<WorkflowHandle, 'describe'>): Promise<string> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  if (pending.length === 0) return 'none pending';
  return pending
    .map((p) => {
      const state = PENDING_ACTIVITY_STATES[Number(p.state)] ?? String(p.state);
      const failure = p.lastFailure?.message ? ` (last failure: ${p.lastFailure.message})` : '';
      return `${p.activityType?.name ?? '?'} ${state} attempt ${p.attempt ?? 1}${failure}`;
    })
    .join(', ');
}

/**
 * The activities a worker is running right now and whose history shows them scheduled and not
 * closed (no completed, failed, timed-out or cancelled event): what is in flight if that worker
 * dies. "Running" comes from the pending activities, because Temporal writes an activity's started
 * event only when the attempt ends.
 */
export async function activitiesInFlight(handle: Handle): Promise<Array<ActivityRef & { attempt: number }>> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities ?? [];
  const started = pending.filter((p) => Number(p.state) === PENDING_ACTIVITY_STATE_STARTED);
  if (started.length === 0) return [];
  const closed = closedActivityIds((await handle.fetchHistory()).events ?? []);
  return started
    .filter((p) => p.activityId && !closed.has(p.activityId))
    .map((p) => ({ workflowId: handle.workflowId, runId: description.runId, activityId: p.activityId!, activityType: p.activityType?.name ?? '?', attempt: p.attempt ?? 1 }));
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

function closedActivityIds(events: HistoryEvent[]): Set<string> {
  const idOfScheduled = new Map<string, string>();
  const closed = new Set<string>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityId) idOfScheduled.set(String(e.eventId), s.activityId);
    const end =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const id = end ? idOfScheduled.get(String(end.scheduledEventId)) : undefined;
    if (id) closed.add(id);
  }
  return closed;
}

/** What a finished run's history says about one activity: its type, the attempt that ended it, how it ended. */
export interface ActivityOutcome {
  activityType: string;
  /** The attempt recorded on the started event (Temporal records the last attempt's start). */
  lastAttempt: number;
  /** How many times an activity of this id was scheduled (a second scheduling is a re-run, not a retry). */
  scheduled: number;
  completed: boolean;
}

export async function activityOutcome(handle: Handle, activityId: string): Promise<ActivityOutcome> {
  const events = (await handle.fetchHistory()).events ?? [];
  const ours = new Set<string>();
  const out: ActivityOutcome = { activityType: '', lastAttempt: 0, scheduled: 0, completed: false };
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityId === activityId) {
      ours.add(String(e.eventId));
      out.scheduled++;
      out.activityType = s.activityType?.name ?? '?';
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started && ours.has(String(started.scheduledEventId))) out.lastAttempt = Math.max(out.lastAttempt, started.attempt ?? 1);
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed && ours.has(String(completed.scheduledEventId))) out.completed = true;
  }
  return out;
}

/** The input the first activity of `activityType` was scheduled with, as its JSON payload says; undefined when none was. */
export function scheduledInput(events: readonly HistoryEvent[], activityType: string): unknown {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  const data = scheduled?.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
  return data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined;
}
