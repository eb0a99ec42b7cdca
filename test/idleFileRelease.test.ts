import { WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import type { CheckDefinition, EtlInput } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { readUsedBundle } from '../src/temporal/workflowBundle';
import { createEtlWorker } from '../src/worker';
import type { backfill } from '../src/workflows/backfill';
import type { etlRun } from '../src/workflows/etl';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { TEST_BUNDLE_ENV } from './harness/workflowBundle';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * A worker lets go of its DuckDB files once it is idle, and the read commands wait for a file a
 * worker has just used: `sparkify dev` held every file it had written until it exited, so
 * `sparkify sql` on it after a run through dev failed with DuckDB's lock message.
 */
const execFileAsync = promisify(execFile);
let temporal: TestTemporal;
let tmp: string;

beforeAll(async () => {
  temporal = await startTestTemporal();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-idle-release-'));
});
afterAll(async () => {
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `sparkify ARGS` in a child process, not blocking this one (where the worker runs). */
async function sparkify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], { cwd: tmp, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

test('sparkify sql reads a DuckDB file right after a run on a worker that stays up', async () => {
  const file = path.join(tmp, 'dev.duckdb');
  const worker = await temporal.worker({ warehouse: `duckdb:${file}`, source: SAMPLE_DIR });
  await worker.during(async () => {
    const summary = await (await worker.start({ window: { from: '2018-11-05', to: '2018-11-05' } })).result();
    // At once, as `sparkify run … && sparkify sql …` does, with the worker still polling.
    const read = await sparkify(['sql', '--warehouse', `duckdb:${file}`, '--json', 'SELECT COUNT(*) AS plays FROM songplays']);
    expect({ code: read.code, stderr: read.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(read.stdout)).toEqual([{ plays: summary.tables.songplays }]);

    // The worker opens the file again for its next run.
    const again = await (await worker.start({ window: { from: '2018-11-05', to: '2018-11-05' } })).result();
    expect(again.tables.songplays).toBe(summary.tables.songplays);
  });
});

/**
 * A step holds its DuckDB file only if it opens its warehouse (Resources.warehouse): a long step
 * that did not would let the worker close the file mid-run, and another process take it, before
 * the next step opens it again. Every activity that runs SQL opens its warehouse as it starts, and
 * only sendNotification opens none. This pins it: a worker built as production builds it runs
 * every activity (a run whose report cannot be written, with an alert; a run that fails a check;
 * a backfill that looks the date up in the ledger), and each attempt says whether it held the
 * run's warehouse when it ended. A new activity must appear here, holding it or said not to.
 */
test('every activity that runs SQL holds its warehouse while it runs; the one that runs none (sendNotification) holds nothing', async () => {
  const warehouse = `duckdb:${path.join(tmp, 'held.duckdb')}`;
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: warehouse, defaultSource: SAMPLE_DIR });
  const held = new Map<string, boolean>();
  // Inside the production interceptors: the activity's own held set is still in scope after it returns.
  const observe: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: async (input, next) => {
        try {
          return await next(input);
        } finally {
          const name = ctx.info.activityType;
          held.set(name, (held.get(name) ?? true) && resources.idleFiles.heldByActivity().has(warehouse));
        }
      },
    },
  });
  const webhook = http.createServer((req, res) => req.resume().on('end', () => res.end('ok')));
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const connection = await NativeConnection.connect({ address: temporal.server.address });
  const taskQueue = `held-${randomUUID()}`;
  const code = process.env[TEST_BUNDLE_ENV] ? readUsedBundle(process.env[TEST_BUNDLE_ENV]) : undefined;
  try {
    const worker = await createEtlWorker({
      connection,
      namespace: temporal.server.namespace,
      taskQueue,
      resources,
      log: silentLogger,
      ...(code !== undefined ? { workflowBundle: { code } } : {}),
      activityInterceptors: [observe],
    });
    expect(await ensureSearchAttributes(temporal.client)).toBe(true);
    const day = { from: '2018-11-05', to: '2018-11-05' };
    const start = (input: EtlInput) => temporal.client.workflow.start<typeof etlRun>('etlRun', { taskQueue, workflowId: `held-${randomUUID()}`, args: [input] });
    const blocker = path.join(tmp, 'held-reports-blocker');
    fs.writeFileSync(blocker, '');
    const broken: CheckDefinition = { name: 'every user is paid', severity: 'error', description: 'every user is paid', rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['paid'] } };
    const { port } = webhook.address() as { port: number };
    await worker.runUntil(async () => {
      // The report cannot be written (recordReportError), and the run alerts (sendNotification).
      const reportless = await (await start({ window: day, reportTo: path.join(blocker, 'reports'), notify: { url: `http://127.0.0.1:${port}/hook`, on: 'always' } })).result();
      expect(reportless.reportError).toEqual(expect.any(String));
      // A backfill of loaded dates looks them up in the ledger (loadedDates) and runs none.
      const looked = await temporal.client.workflow.execute<typeof backfill>('backfill', {
        taskQueue,
        workflowId: `held-backfill-${randomUUID()}`,
        args: [{ from: day.from, to: day.to, onlyMissing: true, etl: {} }],
      });
      expect(looked).toMatchObject({ skipped: 1, completed: 0 });
      // A run that fails once it has staged is recorded as failed (recordFailedRun).
      await expect((await start({ window: day, extraChecks: [broken] })).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    });
  } finally {
    await connection.close();
    await resources.close();
    await new Promise((resolve) => webhook.close(resolve));
  }
  const every = Object.keys(createActivities({ resources, log: silentLogger })).sort();
  // Scheduled only by runs recorded before the listing was split in two (their replays).
  const notRun = ['listSourceFiles'];
  expect([...held.keys(), ...notRun].sort()).toEqual(every);
  expect(Object.fromEntries(held)).toEqual(Object.fromEntries(every.filter((name) => !notRun.includes(name)).map((name) => [name, name !== 'sendNotification'])));
}, 180_000);
