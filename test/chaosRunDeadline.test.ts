/**
 * The fault suite's wait for a faulted run (src/chaos/faults.ts resultOf): a run still going at the
 * deadline is reported with its pending steps and terminated, so nothing of it keeps polling. Left
 * polling, its result call was retried after the lane closed its connection and threw "Channel has
 * been shut down" from a timer, which ended the suite before it printed its report (CI, 3 December).
 */
import { randomUUID } from 'node:crypto';
import { resultOf } from '../src/chaos/faults';
import { startTestTemporal, type TestTemporal } from './harness/temporal';

let temporal: TestTemporal;

beforeAll(async () => {
  temporal = await startTestTemporal();
});

afterAll(async () => {
  await temporal?.stop();
});

test('a run that does not end by the deadline is reported as such and terminated', async () => {
  // No worker polls this queue: the run never gets past its first workflow task.
  const handle = await temporal.client.workflow.start('etlRun', { taskQueue: `nobody-${randomUUID()}`, workflowId: `deadline-${randomUUID()}`, args: [] });

  const failed = await resultOf(handle, 1_000);

  expect(failed).toBe('run did not end within 1 s (no step pending); terminated');
  const { status } = await handle.describe();
  expect(status.name).toBe('TERMINATED');
});

test('a run that ends in time is not touched: a failed run gives its failure', async () => {
  const handle = await temporal.client.workflow.start('etlRun', { taskQueue: `nobody-${randomUUID()}`, workflowId: `ended-${randomUUID()}`, args: [] });
  await handle.terminate('ended by the test');

  expect(await resultOf(handle, 60_000)).toMatch(/ended by the test/);
});
