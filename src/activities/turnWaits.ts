/**
 * A step's waits for its turn: where an activity waits for another step of its run before it does
 * its own work, and for how long. On DuckDB a run's publishes take turns (publishLock.ts), and the
 * level changes queue behind the songplays publish; on PostgreSQL the time publish and the level
 * changes wait for the songplays publish's serial part (songplaysSerialPart.ts). Such a wait is the
 * other step's time, not this one's work: at 8M events DuckDB's time publish took 22.8 s from
 * start to end, of which 1.0 s its own (docs/performance.md, "Figures").
 *
 * With SPARKIFY_TURN_TRACE=<file>, each wait is appended to the file as one JSON line (TurnWait).
 * The benchmark sets it for its worker and takes the waits off each step's time before it judges
 * how the step's time grows with the input (src/bench/report.ts). Unset, or outside an activity
 * (tests, tools), nothing is written.
 */
import fs from 'node:fs';
import { Context } from '@temporalio/activity';

export const TURN_TRACE_ENV = 'SPARKIFY_TURN_TRACE';

export interface TurnWait {
  workflowId: string;
  activity: string;
  attempt: number;
  /** What it waited for, in words. */
  waitedFor: string;
  seconds: number;
}

/**
 * Records that the current activity waited for `waitedFor` from `since` (performance.now()) until
 * now. Nothing when no trace file is asked for or when not in an activity.
 */
export function recordTurnWait(waitedFor: string, since: number, env: NodeJS.ProcessEnv = process.env): void {
  const file = (env[TURN_TRACE_ENV] ?? '').trim();
  if (file === '') return;
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // Not in an activity.
  }
  const wait: TurnWait = {
    workflowId: context.info.workflowExecution?.workflowId ?? '',
    activity: context.info.activityType,
    attempt: context.info.attempt,
    waitedFor,
    seconds: Math.max(0, performance.now() - since) / 1000,
  };
  fs.appendFileSync(file, `${JSON.stringify(wait)}\n`);
}

/**
 * The seconds each activity of `workflowId` waited for its turn, from a trace file's lines: on the
 * activity's last attempt that the file holds (the one that completed, where the run completed).
 */
export function turnWaitsOf(lines: readonly string[], workflowId: string): Record<string, number> {
  const waits = lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as TurnWait).filter((w) => w.workflowId === workflowId);
  const lastAttempt = new Map<string, number>();
  for (const w of waits) lastAttempt.set(w.activity, Math.max(lastAttempt.get(w.activity) ?? 0, w.attempt));
  const seconds: Record<string, number> = {};
  for (const w of waits) {
    if (w.attempt === lastAttempt.get(w.activity)) seconds[w.activity] = (seconds[w.activity] ?? 0) + w.seconds;
  }
  return seconds;
}
