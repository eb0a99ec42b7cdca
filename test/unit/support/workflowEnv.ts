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
  return {
    client,
    async withWorker(activities, fn) {
      const taskQueue = `unit-${randomUUID()}`;
      const worker = await Worker.create({
        connection: native!,
        namespace: server.namespace,
        taskQueue,
        workflowBundle,
        activities,
        shutdownGraceTime: '1 second',
      });
      return worker.runUntil(fn(taskQueue));
    },
    async stop() {
      await native?.close();
      await connection?.close();
      await server.stop();
    },
  };
}

/** Resolves when `predicate` holds, checking on every `changed` call; rejects after `ms`, naming what was awaited. */
export class Signal {
  private waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  changed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate()) return true;
      w.resolve();
      return false;
    });
  }

  until(what: string, predicate: () => boolean, ms = 15_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`gave up after ${ms} ms waiting for ${what}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ predicate, resolve: done });
    });
  }
}
