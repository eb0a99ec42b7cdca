/**
 * The fast tier's Temporal: the project's dev server (the cached Temporal CLI, in memory) and the
 * real workflow bundle, both from globalSetup, with a worker per test file that runs mocked
 * activities. Workflows run as in production; only the side effects are replaced.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../../src/activities';
import { ADDRESS_ENV, BUNDLE_ENV } from './globalSetup';
import { ACTIVITY_NAMES } from './mockActivities';

export interface WorkflowEnv {
  client: Client;
  /** Runs `fn` (given the worker's task queue) with these activities behind the file's worker. */
  withWorker<T>(activities: Partial<Activities>, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** Connects to the server and bundle that globalSetup prepared and starts the file's worker. */
export async function startWorkflowEnv(): Promise<WorkflowEnv> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
    runtimeInstalled = true;
  }
  const address = process.env[ADDRESS_ENV];
  const codePath = process.env[BUNDLE_ENV];
  if (!address || !codePath) throw new Error(`${ADDRESS_ENV} and ${BUNDLE_ENV} are unset: run the fast tier through jest's 'unit' project (npm run test:unit)`);
  const workflowBundle = { codePath };
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const namespace = 'default';
  const client = new Client({ connection, namespace });
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
    namespace,
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
      await native.close();
      await connection.close();
    },
  };
}
