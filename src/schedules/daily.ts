import type { Client, ScheduleDescription, ScheduleOptions, ScheduleOptionsStartWorkflowAction, ScheduleOverlapPolicy } from '@temporalio/client';
import { msToNumber, type Duration } from '@temporalio/common';
import { ConfigError } from '../config';
import { RUN_DEFAULTS, SCHEDULE_LIMITS } from '../defaults';
import { addDays, isTimeZone } from '../etl/dates';
import { clockChanges, clockTime, firstClearTime, inWindow } from './clockChanges';
import type { DateRunInput } from '../workflows/dateRun';
import { scheduledEtlRun, type ScheduledEtlInput } from '../workflows/scheduled';

/** What a daily ETL schedule is made of; everything else about the Temporal Schedule follows from it. */
export interface DailySchedule {
  scheduleId: string;
  taskQueue: string;
  /** Local time of day the run starts, HH:MM (24 h). */
  at: string;
  /** IANA time zone `at` and the logical date are read in. */
  timeZone: string;
  /** Logical date = the scheduled time's local date plus this many days (-1: the previous day). */
  offsetDays: number;
  /** What to do when a run is still going at the next start time. */
  overlap: ScheduleOverlapPolicy;
  /** How late a missed start (server down) may still be taken, e.g. '1 day'. */
  catchupWindow: string;
  etl: DateRunInput;
}

export const SCHEDULE_DEFAULTS = {
  scheduleId: 'sparkify-etl-daily',
  at: '02:00',
  timeZone: 'UTC',
  offsetDays: -1,
  overlap: 'SKIP',
  catchupWindow: '1 day',
} as const satisfies Partial<DailySchedule>;

export const OVERLAP_POLICIES: readonly ScheduleOverlapPolicy[] = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'];

/** The workflow id prefix of scheduled runs (the server appends the scheduled time). */
export const SCHEDULED_WORKFLOW_ID = 'sparkify-etl-scheduled';

function timeOfDay(at: string): { hour: number; minute: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(at);
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (!m || hour > 23 || minute > 59) throw new ConfigError(`--at: "${at}" is not a time of day in HH:MM form, e.g. 02:30`);
  return { hour, minute };
}

/** How far ahead a schedule's time is checked against its zone's clock changes. */
const CLOCK_CHANGE_HORIZON_DAYS = 10 * 366;

/** Why a daily time would not start exactly one run per date, and which time would. */
export interface ClockChangeProblem {
  /** What goes wrong, on the first date it does, e.g. "02:30 does not exist in Europe/Berlin on 2027-03-28 …". */
  problem: string;
  /** The local window to keep out of, e.g. "02:00–02:59". */
  window: string;
  /** The first time after the window that no clock change of the horizon touches. */
  instead?: string;
}

/**
 * Temporal matches a schedule's calendar against the local clock literally: a time the clock skips
 * (spring forward) starts nothing that day, so its logical date is never loaded; a time it shows
 * twice (fall back) starts two runs. Such times are refused rather than worked around in the spec,
 * which stays one calendar entry in the zone and so follows the server's time zone data.
 */
export function clockChangeProblem(s: Pick<DailySchedule, 'at' | 'timeZone' | 'offsetDays'>, now: Date): ClockChangeProblem | null {
  const { hour, minute } = timeOfDay(s.at);
  const minuteOfDay = hour * 60 + minute;
  const changes = clockChanges(s.timeZone, now, CLOCK_CHANGE_HORIZON_DAYS);
  const hit = changes.find((c) => inWindow(c, minuteOfDay));
  if (!hit) return null;
  const date = minuteOfDay < hit.fromMinute ? addDays(hit.date, 1) : hit.date;
  const logicalDate = addDays(date, s.offsetDays);
  const window = `${clockTime(hit.fromMinute)}–${clockTime(hit.toMinute - 1)}`;
  const problem =
    hit.kind === 'skipped'
      ? `${s.at} does not exist in ${s.timeZone} on ${date} (the clock jumps over ${window}), so no run would start that day and ${logicalDate} would not be loaded`
      : `${s.at} occurs twice in ${s.timeZone} on ${date} (the clock goes back over ${window}), so ${logicalDate} would be run twice`;
  const instead = firstClearTime(changes, hit.toMinute);
  return { problem, window, ...(instead === undefined ? {} : { instead: clockTime(instead) }) };
}

function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) throw new ConfigError(`--time-zone: "${timeZone}" is not an IANA time zone, e.g. UTC or Europe/Berlin`);
}

function checkOffsetDays(offsetDays: number): void {
  const offset = SCHEDULE_LIMITS.offsetDays;
  if (!Number.isInteger(offsetDays) || offsetDays < offset.min || offsetDays > offset.max) {
    // scheduledEtlRun refuses other values (src/workflows/inputs.ts): a schedule holding one would fail every night.
    throw new ConfigError(`--offset-days: "${offsetDays}" is not a whole number of days from ${offset.min} to ${offset.max} (-1: the previous day)`);
  }
}

function checkOverlap(overlap: ScheduleOverlapPolicy): void {
  if (!OVERLAP_POLICIES.includes(overlap)) {
    throw new ConfigError(`--overlap: "${overlap}" is not one of ${OVERLAP_POLICIES.join(', ')}`);
  }
}

function checkCatchupWindow(catchupWindow: string): void {
  let catchup: number;
  try {
    catchup = msToNumber(catchupWindow as Duration);
  } catch {
    catchup = NaN;
  }
  if (!(catchup >= 10_000)) throw new ConfigError(`--catchup-window: "${catchupWindow}" is not a duration of at least 10 s, e.g. 1d or 12h`);
}

/**
 * Checks every setting, naming the flag that is wrong. `checkClockChanges: false` leaves out the check of
 * --at against the zone's clock changes (an update that changes neither keeps a schedule as it was).
 */
export function validateSchedule(s: DailySchedule, { now = new Date(), checkClockChanges = true }: { now?: Date; checkClockChanges?: boolean } = {}): void {
  timeOfDay(s.at);
  checkTimeZone(s.timeZone);
  const clock = checkClockChanges ? clockChangeProblem(s, now) : null;
  if (clock) {
    const instead = clock.instead ? `, e.g. ${clock.instead}` : '';
    throw new ConfigError(`--at: ${clock.problem}. Choose a time outside ${clock.window}${instead}, or a --time-zone without clock changes such as UTC`);
  }
  checkOffsetDays(s.offsetDays);
  checkOverlap(s.overlap);
  checkCatchupWindow(s.catchupWindow);
}

/**
 * Checks the settings an update gives, each on its own, before the schedule is read: the check of
 * --at against the zone's clock changes, which needs the schedule's others, comes with
 * validateSchedule in updateDailySchedule.
 */
export function validateScheduleChanges(changes: Partial<Pick<DailySchedule, 'at' | 'timeZone' | 'offsetDays' | 'overlap' | 'catchupWindow'>>): void {
  if (changes.at !== undefined) timeOfDay(changes.at);
  if (changes.timeZone !== undefined) checkTimeZone(changes.timeZone);
  if (changes.offsetDays !== undefined) checkOffsetDays(changes.offsetDays);
  if (changes.overlap !== undefined) checkOverlap(changes.overlap);
  if (changes.catchupWindow !== undefined) checkCatchupWindow(changes.catchupWindow);
}

function workflowInput(s: DailySchedule): ScheduledEtlInput {
  return { etl: s.etl, offsetDays: s.offsetDays, timeZone: s.timeZone };
}

function scheduleBody(s: DailySchedule): Pick<ScheduleOptions, 'spec' | 'action' | 'policies'> {
  const { hour, minute } = timeOfDay(s.at);
  return {
    spec: { calendars: [{ hour, minute, comment: `daily at ${s.at} ${s.timeZone}` }], timezone: s.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: scheduledEtlRun,
      workflowId: SCHEDULED_WORKFLOW_ID,
      taskQueue: s.taskQueue,
      args: [workflowInput(s)],
    },
    policies: { overlap: s.overlap, catchupWindow: s.catchupWindow as Duration },
  };
}

export async function createDailySchedule(client: Client, s: DailySchedule, state: { paused?: boolean; note?: string } = {}): Promise<void> {
  validateSchedule(s);
  await client.schedule.create({
    scheduleId: s.scheduleId,
    ...scheduleBody(s),
    state: { paused: state.paused ?? false, note: state.note },
  });
}

/** Reads a daily schedule's settings back from its description. */
export function dailyScheduleFrom(d: ScheduleDescription): DailySchedule {
  if (d.action.type !== 'startWorkflow' || d.action.workflowType !== scheduledEtlRun.name) {
    throw new ConfigError(`schedule ${d.scheduleId} does not start scheduledEtlRun: it is not a Sparkify daily schedule`);
  }
  const input = (d.action.args?.[0] ?? {}) as ScheduledEtlInput;
  const calendar = d.spec.calendars?.[0];
  const hour = Number(calendar?.hour?.[0]?.start ?? 0);
  const minute = Number(calendar?.minute?.[0]?.start ?? 0);
  return {
    scheduleId: d.scheduleId,
    taskQueue: d.action.taskQueue,
    at: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
    timeZone: input.timeZone ?? d.spec.timezone ?? 'UTC',
    offsetDays: input.offsetDays ?? SCHEDULE_DEFAULTS.offsetDays,
    overlap: d.policies.overlap,
    catchupWindow: `${Math.round(d.policies.catchupWindow / 1000)}s`,
    etl: input.etl ?? {},
  };
}

/** Run settings a schedule update can drop, so each run takes the worker's default again. */
export type ResettableRunSetting = 'source' | 'warehouse';

export type ScheduleChanges = Partial<Omit<DailySchedule, 'scheduleId' | 'etl'>> & { etl?: Partial<DateRunInput> };

function changedRunInput(was: DateRunInput, changes: ScheduleChanges, reset: readonly ResettableRunSetting[]): DateRunInput {
  const etl: DateRunInput = { ...was, ...changes.etl };
  for (const key of reset) delete etl[key];
  return etl;
}

/** Changes the given settings of a daily schedule, keeping the others; `reset` drops run settings. */
export async function updateDailySchedule(
  client: Client,
  scheduleId: string,
  changes: ScheduleChanges,
  reset: readonly ResettableRunSetting[] = [],
): Promise<DailySchedule> {
  const handle = client.schedule.getHandle(scheduleId);
  let updated: DailySchedule | undefined;
  const current = dailyScheduleFrom(await handle.describe());
  // A schedule from before this check keeps working: only a change of its time or zone is checked.
  const checkClockChanges = changes.at !== undefined || changes.timeZone !== undefined;
  validateSchedule({ ...current, ...changes, etl: changedRunInput(current.etl, changes, reset) }, { checkClockChanges });
  await handle.update<typeof scheduledEtlRun>((previous) => {
    const was = dailyScheduleFrom(previous);
    updated = { ...was, ...changes, scheduleId, etl: changedRunInput(was.etl, changes, reset) };
    const body = scheduleBody(updated);
    return { ...body, action: body.action as ScheduleOptionsStartWorkflowAction<typeof scheduledEtlRun>, state: previous.state };
  });
  return updated!;
}

/** What to tell about a schedule whose time a clock change skips or repeats (one from before the check), or null. */
export function clockChangeWarning(s: DailySchedule, now = new Date()): string | null {
  const clock = clockChangeProblem(s, now);
  if (!clock) return null;
  const move = clock.instead ? `sparkify schedule update --id ${s.scheduleId} --at ${clock.instead}` : `sparkify schedule update --id ${s.scheduleId} --time-zone UTC`;
  return `${clock.problem}: \`${move}\` moves it out of ${clock.window}`;
}

/** A description as plain data, for printing. */
export function summarizeSchedule(d: ScheduleDescription, now = new Date()) {
  const s = dailyScheduleFrom(d);
  return {
    warning: clockChangeWarning(s, now),
    scheduleId: s.scheduleId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    at: s.at,
    timeZone: s.timeZone,
    offsetDays: s.offsetDays,
    overlap: s.overlap,
    catchupWindow: s.catchupWindow,
    taskQueue: s.taskQueue,
    source: s.etl.source ?? null,
    warehouse: s.etl.warehouse ?? null,
    failOnEmpty: s.etl.failOnEmpty ?? RUN_DEFAULTS.failOnEmpty,
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    recent: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      workflowId: a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : null,
    })),
    next: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
  };
}
