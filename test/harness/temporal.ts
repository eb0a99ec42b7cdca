import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger, Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Resources } from '../../src/activities/resources';
import type { EtlInput, RunSummary } from '../../src/etl/types';
import { silentLogger } from '../../src/log';
import type { S3Settings } from '../../src/source/s3Client';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { readUsedBundle } from '../../src/temporal/workflowBundle';
import { createEtlWorker } from '../../src/worker';
import type { etlRun } from '../../src/workflows/etl';
import { TEST_BUNDLE_ENV } from './workflowBundle';

export const SAMPLE_DIR = path.resolve(__dirname, '../../../shared/data/udacity-sample');

let runtimeInstalled = false;

/** A real Temporal dev server, a client, and the workflow code bundled once for every worker. */
export interface TestTemporal {
  server: DevServer;
  client: Client;
  /** Starts a worker on a fresh task queue; `run` executes the ETL workflow on it. */
  worker(options?: TestWorkerOptions): Promise<TestWorker>;
  stop(): Promise<void>;
}

export interface TestWorkerOptions {
  s3?: S3Settings;
  warehouse?: string;
  source?: string;
  /**
   * Activity interceptors run inside the production ones (e.g. a fault injected into one attempt);
   * the worker is the production one (createEtlWorker) with these added.
   */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

export interface TestWorker {
  worker: Worker;
  taskQueue: string;
  resources: Resources;
  start(input: EtlInput, workflowId?: string): Promise<WorkflowHandle<typeof etlRun>>;
  run(input: EtlInput, workflowId?: string): Promise<RunSummary>;
  /** Runs `fn` while the worker polls, then shuts the worker down. */
  during<T>(fn: () => Promise<T>): Promise<T>;
}

export async function startTestTemporal(): Promise<TestTemporal> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
    runtimeInstalled = true;
  }
  const server = await startDevServer();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  // The integration run's shared bundle (globalSetup.ts), or one of this file's own.
  // Read as used, so the bundle cache (src/temporal/workflowBundle.ts) keeps it through the run.
  const sharedCode = process.env[TEST_BUNDLE_ENV] ? readUsedBundle(process.env[TEST_BUNDLE_ENV]) : undefined;
  const workflowBundle =
    sharedCode !== undefined
      ? { code: sharedCode }
      : await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: new DefaultLogger('ERROR') });
  const resourcesToClose: Resources[] = [];
  const workersCreated: Worker[] = [];
  // Run reports of non-DuckDB warehouses go here, not into the repository's .sparkify/.
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-reports-'));

  return {
    server,
    client,
    async worker(options = {}) {
      const taskQueue = `test-${randomUUID()}`;
      const resources = new Resources({
        s3: options.s3 ?? {},
        log: silentLogger,
        defaultWarehouse: options.warehouse,
        defaultSource: options.source,
        reportDir,
      });
      resourcesToClose.push(resources);
      const worker = await createEtlWorker({
        connection: nativeConnection,
        namespace: server.namespace,
        taskQueue,
        resources,
        log: silentLogger,
        workflowBundle,
        activityInterceptors: options.activityInterceptors,
      });
      workersCreated.push(worker);
      const start = (input: EtlInput, workflowId = `etl-${randomUUID()}`) =>
        client.workflow.start<typeof etlRun>('etlRun', { taskQueue, workflowId, args: [input] });
      return {
        worker,
        taskQueue,
        resources,
        start,
        run: async (input, workflowId) => worker.runUntil(async () => (await start(input, workflowId)).result()),
        during: (fn) => worker.runUntil(fn),
      };
    },
    async stop() {
      try {
        // A worker created and never run holds the native connection, whose close then throws, and
        // its native handles kept Jest from exiting. The SDK shuts down only a running worker: run
        // each such one until at once, which lets go of both.
        for (const w of workersCreated) if (w.getState() === 'INITIALIZED') await w.runUntil(async () => undefined);
        for (const r of resourcesToClose) await r.close();
        await nativeConnection.close();
        await connection.close();
      } finally {
        await server.stop();
        fs.rmSync(reportDir, { recursive: true, force: true });
      }
    },
  };
}
