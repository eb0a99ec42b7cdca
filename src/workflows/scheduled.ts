import { workflowInfo } from '@temporalio/workflow';
import { addDays, localDate } from '../etl/dates';
import { SCHEDULED_START_TIME } from '../etl/searchAttributes';
import type { RunSummary } from '../etl/types';
import { runDate, type DateRunInput } from './dateRun';
import { checkWorkflowInput, scheduledInputShape } from './inputs';

export interface ScheduledEtlInput {
  etl: DateRunInput;
  /** Days from the scheduled time's local date to the logical date (default -1: the previous day). */
  offsetDays?: number;
  /** IANA time zone the scheduled time's date is read in (default UTC). */
  timeZone?: string;
}

/**
 * The logical date of a scheduled run: the date of the time the schedule meant to start it (the
 * server's TemporalScheduledStartTime), never the wall clock, so a delayed, caught-up or
 * backfilled action loads the day it was scheduled for. Started by hand, the start time stands in.
 */
export function scheduledLogicalDate(input: Pick<ScheduledEtlInput, 'offsetDays' | 'timeZone'>): string {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime;
  return addDays(localDate(scheduledAt, input.timeZone ?? 'UTC'), input.offsetDays ?? -1);
}

/** What a Temporal Schedule starts: one etlRun for the logical date, as a child under the date's id. */
export async function scheduledEtlRun(input: ScheduledEtlInput): Promise<RunSummary> {
  checkWorkflowInput('scheduledEtlRun', scheduledInputShape, input);
  return runDate(scheduledLogicalDate(input), input.etl);
}
