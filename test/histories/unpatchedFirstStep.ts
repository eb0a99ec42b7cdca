/**
 * patchedFirstStep.ts's change without `patched()`: the same new first step, always taken. For
 * test/replay.test.ts to show that the patch, not the change's shape, is what lets old runs
 * replay. Never run by a worker.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../src/activities';
import type { EtlInput, RunSummary } from '../../src/etl/types';
import { etlRun as currentEtlRun } from '../../src/workflows/etl';

export { backfill, scheduledEtlRun } from '../../src/workflows';

const quick = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes' });

export async function etlRun(input: EtlInput): Promise<RunSummary> {
  await quick.loadedDates({ warehouse: input.warehouse ?? '', dates: [] });
  return currentEtlRun(input);
}
