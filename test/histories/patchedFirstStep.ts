/**
 * The workflow bundle with etlRun changed the right way: a new first step (a ledger lookup) behind
 * `patched()`, then the current etlRun unchanged. For test/replay.test.ts to prove that runs
 * recorded before the change replay through it. Never run by a worker.
 */
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../src/activities';
import type { EtlInput, RunSummary } from '../../src/etl/types';
import { etlRun as currentEtlRun } from '../../src/workflows/etl';

export { backfill, scheduledEtlRun } from '../../src/workflows';

const quick = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes' });

export async function etlRun(input: EtlInput): Promise<RunSummary> {
  // A history without this patch's marker replays the old path; new runs take the new step.
  if (patched('ledger-lookup-first')) await quick.loadedDates({ warehouse: input.warehouse ?? '', dates: [] });
  return currentEtlRun(input);
}
