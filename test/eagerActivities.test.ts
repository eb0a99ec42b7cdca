/**
 * The dev server the project starts hands an activity back in the reply to the workflow task that
 * scheduled it (eager activity execution), so a run's chain of steps skips a poll per step. Seen
 * from outside: with a second worker on the same task queue that runs activities only, every
 * activity of a workflow still runs on the worker that ran the workflow. Without eager execution
 * the server's matching would hand some of them to the other worker's waiting pollers.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { startDevServer, type DevServer } from '../src/temporal/devServer';
import type { sequentialSteps } from './support/workflows/sequentialSteps';

const STEPS = 12;

let server: DevServer;
let connection: Connection;
let native: NativeConnection;
// The SDK refuses two workers of one task queue on one connection: the activity-only worker gets its own.
let otherNative: NativeConnection;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  server = await startDevServer();
  connection = await Connection.connect({ address: server.address });
  native = await NativeConnection.connect({ address: server.address });
  otherNative = await NativeConnection.connect({ address: server.address });
});

afterAll(async () => {
  // The server is stopped even when a connection cannot close (a worker of a failed test still holds it).
  try {
    await native?.close();
    await otherNative?.close();
    await connection?.close();
  } finally {
    await server?.stop();
  }
});

test('every step runs on the worker that ran the workflow, though another worker polls the same queue for activities', async () => {
  const taskQueue = `eager-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./support/workflows/sequentialSteps'), logger: new DefaultLogger('ERROR') });
  const workflowWorker = await Worker.create({
    connection: native,
    namespace: server.namespace,
    taskQueue,
    workflowBundle,
    activities: { whoRuns: async () => 'workflow worker' },
  });
  const activityWorker = await Worker.create({
    connection: otherNative,
    namespace: server.namespace,
    taskQueue,
    activities: { whoRuns: async () => 'activity-only worker' },
    maxConcurrentActivityTaskPolls: 4,
  });
  const client = new Client({ connection, namespace: server.namespace });
  const ranBy = await activityWorker.runUntil(() =>
    workflowWorker.runUntil(() => client.workflow.execute<typeof sequentialSteps>('sequentialSteps', { taskQueue, workflowId: `eager-${randomUUID()}`, args: [STEPS] })),
  );
  expect(ranBy).toEqual(Array(STEPS).fill('workflow worker'));
});
