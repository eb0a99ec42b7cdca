import type { ScheduleOverlapPolicy } from '@temporalio/client';

/** What the schedule holds when a trigger arrives: the runs it started that are still going, and the starts waiting for them. */
export interface ScheduleActivity {
  running: string[];
  buffered: number;
}

export type TriggerPlan = { trigger: true; effect: string } | { trigger: false; why: string };

/**
 * What Temporal does with a trigger under `overlap`, said before sending it: a trigger it would
 * skip (SKIP, or BUFFER_ONE with a start already waiting) is not sent, so nobody reads "triggered"
 * for a run that never starts.
 */
export function planTrigger(overlap: ScheduleOverlapPolicy, { running, buffered }: ScheduleActivity): TriggerPlan {
  if (running.length === 0) return { trigger: true, effect: 'a run starts now' };
  const runs = running.join(', ');
  switch (overlap) {
    case 'SKIP':
      return { trigger: false, why: `its run ${runs} is still going and overlap SKIP skips a start meanwhile` };
    case 'BUFFER_ONE':
      if (buffered > 0) return { trigger: false, why: `its run ${runs} is still going and a start already waits for it (overlap BUFFER_ONE keeps one)` };
      return { trigger: true, effect: `a run starts when ${runs} ends` };
    case 'BUFFER_ALL':
      return { trigger: true, effect: `a run starts when ${runs} ends${buffered > 0 ? ` and the ${buffered} start(s) waiting before it have run` : ''}` };
    case 'CANCEL_OTHER':
      return { trigger: true, effect: `${runs} is cancelled and a run starts once it has stopped` };
    case 'TERMINATE_OTHER':
      return { trigger: true, effect: `${runs} is terminated and a run starts now` };
    default:
      // ALLOW_ALL. The run's etlRun child still waits for a load of the same date to end (runDate).
      return { trigger: true, effect: `a run starts now beside ${runs}` };
  }
}
