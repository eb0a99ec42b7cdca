/**
 * The fast tier's Temporal: the project's dev server (the cached Temporal CLI, in memory) and the
 * real workflow bundle, with workers that run mocked activities. Workflows run as in production;
 * only the side effects are replaced.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../../src/activities';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../../../src/etl/searchAttributes';
import { startDevServer } from '../../../src/temporal/devServer';
import { ACTIVITY_NAMES } from './mockActivities';

export interface WorkflowEnv {
  client: Client;
  /** Runs `fn` while a worker with these activities polls a fresh task queue, then shuts it down. */
  withWorker<T>(activities: Partial<Activities>, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startWorkflowEnv(): Promise<WorkflowEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
    runtimeInstalled = true;
  }
  const [server, workflowBundle] = await Promise.all([
    startDevServer({ searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../../src/workflows'), logger: new DefaultLogger('ERROR') }),
  ]);
  let connection: Connection | undefined;
  let native: NativeConnection | undefined;
  try {
    connection = await Connection.connect({ address: server.address });
    native = await NativeConnection.connect({ address: server.address });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const client = new Client({ connection, namespace: server.namespace });
  // One worker per file: creating one per test costs more than the test. Each test's activities
  // are swapped in; tests in a file run one after another.
  let current: Partial<Activities> = {};
  const delegate = new Proxy({} as Record<string, (...args: unknown[]) => unknown>, {
    get: (_target, name: string) => (...args: unknown[]) => {
      const impl = (current as Record<string, (...a: unknown[]) => unknown>)[name];
      if (!impl) throw new Error(`activity ${name} is not mocked in this test`);
      return impl(...args);
    },
  });
  const taskQueue = `unit-${randomUUID()}`;
  const worker = await Worker.create({
    connection: native,
    namespace: server.namespace,
    taskQueue,
    workflowBundle,
    activities: Object.fromEntries(ACTIVITY_NAMES.map((name) => [name, delegate[name]])),
    shutdownGraceTime: '1 second',
  });
  const running = worker.run();
  return {
    client,
    async withWorker(activities, fn) {
      current = activities;
      return fn(taskQueue);
    },
    async stop() {
      worker.shutdown();
      await running;
      await native?.close();
      await connection?.close();
      await server.stop();
    },
  };
}
