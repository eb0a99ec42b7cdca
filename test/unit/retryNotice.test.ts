/**
 * The embedded `sparkify run` tells the user when a step's first attempt fails and is retried (the
 * SDK's warnings are off there): a step retried for minutes was silent until the run failed.
 * Failures that are not retried say nothing here: the run's own failure message says it.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { withFailureType } from '../../src/activities/failureTypes';
import { firstRetryInterceptor } from '../../src/activities/retryNotice';
import { StorageError } from '../../src/errors';
import { SqlError } from '../../src/warehouse/errors';
import { etlRun } from '../../src/workflows/etl';
import { ADDRESS_ENV, BUNDLE_ENV } from './support/globalSetup';
import { MockActivities } from './support/mockActivities';
import { startWorkflowEnv, type WorkflowEnv } from './support/workflowEnv';

let env: WorkflowEnv;
beforeAll(async () => {
  env = await startWorkflowEnv();
});
afterAll(async () => {
  await env?.stop();
});

/** Runs etlRun on a worker of its own with the retry notice, over these activities; returns what it told and how the run ended. */
async function runTelling(mocks: MockActivities): Promise<{ told: string[][]; outcome: unknown }> {
  const told: string[][] = [];
  const connection = await NativeConnection.connect({ address: process.env[ADDRESS_ENV]! });
  const taskQueue = `unit-retry-notice-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: process.env[BUNDLE_ENV]! },
    activities: mocks.activities(),
    interceptors: { activity: [firstRetryInterceptor((step, error) => told.push([step, error]))] },
    shutdownGraceTime: '1 second',
  });
  try {
    const outcome = await worker.runUntil(
      env.client.workflow
        .execute(etlRun, { taskQueue, workflowId: `unit-retry-notice-${randomUUID()}`, args: [{ source: '/data', warehouse: 'duckdb:/tmp/w.duckdb', window: { from: '2018-11-01', to: '2018-11-01' } }] })
        .catch((err: unknown) => err),
    );
    return { told, outcome };
  } finally {
    await connection.close();
  }
}

test("a step's first failed attempt that is retried is told once, with its error", async () => {
  const mocks: MockActivities = new MockActivities({
    loadSongs: async () => {
      if (mocks.count('loadSongs') === 1) throw new Error('Could not set lock on file "w.duckdb": Conflicting lock is held');
      return undefined;
    },
  });
  const { told, outcome } = await runTelling(mocks);
  expect(outcome).toMatchObject({ status: 'completed' });
  expect(mocks.count('loadSongs')).toBe(2);
  expect(told).toEqual([['loadSongs', 'Could not set lock on file "w.duckdb": Conflicting lock is held']]);
});

test.each([
  ['a SqlError', () => new SqlError('Binder Error: column x does not exist')],
  ['a StorageError', () => withFailureType(new StorageError('warehouse duckdb:/tmp/w.duckdb: File too large: free space there and run again'))],
])('%s, never retried, is not told (the run says it as it fails)', async (_, error) => {
  const mocks = new MockActivities({
    loadSongs: async () => {
      throw error();
    },
  });
  const { told, outcome } = await runTelling(mocks);
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect(mocks.count('loadSongs')).toBe(1);
  expect(told).toEqual([]);
});
