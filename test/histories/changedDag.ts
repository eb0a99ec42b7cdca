/**
 * The workflow bundle with etlRun changed the wrong way (a step added without `patched()`), for
 * test/replay.test.ts to prove a replay catches it. Never run by a worker.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../src/activities';
import type { EtlInput } from '../../src/etl/types';

export { backfill, scheduledEtlRun } from '../../src/workflows';

const quick = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes' });

export async function etlRun(input: EtlInput): Promise<void> {
  const ref = { runId: workflowInfo().runId, source: input.source ?? '', warehouse: input.warehouse ?? '' };
  await quick.createSchema(ref);
  // The unpatched change: a new first step after createSchema.
  await quick.loadedDates({ warehouse: ref.warehouse, dates: [] });
  await quick.listSourceFiles({ ...ref, window: input.window ?? null });
}
