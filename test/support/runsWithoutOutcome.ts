/**
 * What the tests of runs with no recorded outcome share (test/abandonedRuns.test.ts,
 * test/runsList.test.ts, test/runsListEngines.test.ts): a real Temporal dev server and PostgreSQL
 * for the file, a DuckDB file or a PostgreSQL database per test, `sparkify runs …` through that
 * server, a hold that keeps runs in their publish, marked, until released, so that one can be
 * terminated beside one still going; and a Temporal that cannot be reached.
 */
import { Client, Connection } from '@temporalio/client';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';
import type { Warehouse } from '../../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from '../harness/postgres';
import { startTestTemporal, type TestTemporal } from '../harness/temporal';
import { runSparkify } from './cli';

/** The step held: after the first publishes, which mark the run (etl_publishing_runs). */
const HELD_STEP = 'loadSongplays';

/** Workflows whose id starts with this are held. */
export const HELD = 'held-';

export interface PublishHold {
  /** For the worker's activityInterceptors. */
  interceptor: ActivityInterceptorsFactory;
  /** Resolves once the workflow's HELD_STEP is held. */
  reached(workflowId: string): Promise<void>;
  /** Lets every held step go on. */
  release(): void;
}

/** Holds HELD_STEP of the workflows whose id starts with HELD until released or cancelled (a terminated run's is). */
export function publishHold(): PublishHold {
  const reached = new Map<string, () => void>();
  const reachedPromises = new Map<string, Promise<void>>();
  const promiseFor = (id: string) => {
    if (!reachedPromises.has(id)) reachedPromises.set(id, new Promise<void>((resolve) => reached.set(id, resolve)));
    return reachedPromises.get(id)!;
  };
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const interceptor: ActivityInterceptorsFactory = (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const workflowId = ctx.info.workflowExecution?.workflowId ?? '';
        if (ctx.info.activityType === HELD_STEP && workflowId.startsWith(HELD)) {
          void promiseFor(workflowId);
          reached.get(workflowId)!();
          await Promise.race([released, ctx.cancelled]);
        }
        return next(input);
      },
    };
    return { inbound };
  };
  return { interceptor, reached: promiseFor, release };
}

export interface RunsTestServers {
  temporal: TestTemporal;
  /** describe.each rows: the engine's name, and a new warehouse's URI for a label. */
  warehouses: Array<[string, (label: string) => Promise<string>]>;
  /** A new PostgreSQL database's URI. */
  newPostgresWarehouse(label: string): Promise<string>;
  /** A directory of the file's own, removed after it. */
  dir: string;
  /** `sparkify ARGS` in this server's namespace, the developer's TEMPORAL_ADDRESS, SPARKIFY_WAREHOUSE and SPARKIFY_SOURCE ignored. */
  sparkify(args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof runSparkify>;
}

/**
 * Temporal, PostgreSQL and a directory for the calling file: started in its beforeAll, stopped in
 * its afterAll. Its fields are read inside tests (they are set once the servers have started).
 */
export function runsTestServersInFile(label: string): RunsTestServers {
  let pg: PgServer | undefined;
  const newPostgresWarehouse = (name: string) => createTestDatabase(pg!.url, name);
  const servers: RunsTestServers = {
    temporal: undefined as unknown as TestTemporal,
    dir: '',
    newPostgresWarehouse,
    warehouses: [
      ['DuckDB', async (name) => `duckdb:${path.join(servers.dir, `${name}.duckdb`)}`],
      ['PostgreSQL', newPostgresWarehouse],
    ],
    sparkify: (args, env = {}) =>
      runSparkify(args, { unset: ['SPARKIFY_WAREHOUSE', 'SPARKIFY_SOURCE', 'TEMPORAL_ADDRESS'], env: { TEMPORAL_NAMESPACE: servers.temporal.server.namespace, ...env } }),
  };
  beforeAll(async () => {
    [servers.temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
    servers.dir = fs.mkdtempSync(path.join(os.tmpdir(), `sparkify-${label}-`));
  });
  afterAll(async () => {
    await servers.temporal?.stop();
    await pg?.stop();
    if (servers.dir) fs.rmSync(servers.dir, { recursive: true, force: true });
  });
  return servers;
}

/**
 * Runs `fn` with a DuckDB warehouse (in memory) holding this release's run tables and one run with
 * no outcome, 'gone' (a publishing mark since 2018-11-30 12:00 UTC, no file list), and a client of a
 * Temporal that cannot be reached: nothing listens on port 1, so every call fails at once (no gRPC
 * retries). Both are closed after.
 */
export async function withUnreachableTemporal(fn: (warehouse: Warehouse, client: Client) => Promise<void>): Promise<void> {
  const warehouse = await DuckDbWarehouse.open(':memory:');
  const connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
  try {
    for (const name of ['etl_tables', 'etl_failed_runs'] as const) await warehouse.execute(sqlStatements(`schema/${name}`, 'duckdb'));
    await warehouse.execute(["INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('gone', CAST('2018-11-30 12:00:00' AS TIMESTAMP))"]);
    await fn(warehouse, new Client({ connection }));
  } finally {
    await connection.close().catch(() => undefined);
    await warehouse.close();
  }
}
