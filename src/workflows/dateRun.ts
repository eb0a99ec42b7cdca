import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, sleep } from '@temporalio/workflow';
import { runSearchAttributes } from '../etl/searchAttributes';
import type { EtlInput, RunSummary } from '../etl/types';
import { workflowIdFor } from '../etl/workflowIds';
import { etlRun } from './etl';

/** The ETL input of a run, without its window: what schedules and backfills hand to each date. */
export type DateRunInput = Omit<EtlInput, 'window'>;

/** How long a date waits before trying again when another run of that date is in progress. */
const BUSY_DATE_RETRY = '30 seconds';

/**
 * Runs etlRun for one date as a child workflow under the date's own id (`sparkify-etl-D`), the id
 * every other starter uses too. When that date is already running (a manual run, another
 * backfill), this waits for it to end and then runs the date again: two runs of one date never
 * overlap, and the later one wins, as if started after it.
 */
export async function runDate(date: string, input: DateRunInput): Promise<RunSummary> {
  for (;;) {
    try {
      return await executeChild(etlRun, {
        workflowId: workflowIdFor({ from: date, to: date }),
        args: [{ ...input, window: { from: date, to: date } }],
        typedSearchAttributes: runSearchAttributes({ date, source: input.source, warehouse: input.warehouse }),
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await sleep(BUSY_DATE_RETRY);
    }
  }
}
