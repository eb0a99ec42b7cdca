/**
 * `sparkify runs cleanup --abandon` and `sparkify runs list` through the built CLI, against a real
 * Temporal dev server, on DuckDB, PostgreSQL and Redshift (the Data API emulator on PostgreSQL).
 * An operator may state gone a run Temporal knows closed without its record (terminated, timed
 * out, failed, cancelled): it is recorded failed as of Temporal's close, with Temporal's status and
 * workflow id and the operator's reason. A run Temporal reports completed is refused, nothing
 * written. On Redshift the listing and the abandoning were tested on the SQL only
 * (test/runsListEngines.test.ts, test/redshiftStagingCleanup.test.ts); here through the commands,
 * whose read-only transactions and batches the emulator runs as the Data API does.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearStagingStatements } from '../src/activities/clearStaging';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { parseWarehouseUri } from '../src/config';
import type { EtlInput } from '../src/etl/types';
import { recordFailedRunStatements } from '../src/ledger/failedRuns';
import { recordUnknownRuns } from '../src/ledger/unknownRuns';
import { openWarehouse } from '../src/warehouse';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { timestampTextToIso } from '../src/warehouse/values';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startTestTemporal, type TestTemporal } from './harness/temporal';
import { SPARKIFY_BIN } from './support/cli';
import { pollUntil } from './support/poll';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';
import { attachStagingPartitions } from './support/stagingPartitions';

/** A run as Temporal closed it. */
interface ClosedRun {
  runId: string;
  workflowId: string;
  closedAt: string;
}

type ClosedStatus = 'terminated' | 'timed out' | 'failed' | 'cancelled' | 'completed';

let temporal: TestTemporal;
let pg: PgServer;
let dir: string;
const emulators: RedshiftEmulator[] = [];
const closed = {} as Record<ClosedStatus, ClosedRun>;

/** Waits for `handle` to close, then what Temporal says of it; once visibility lists it (as the command asks). */
async function closedRun(handle: WorkflowHandle): Promise<ClosedRun> {
  await handle.result().catch(() => undefined);
  const described = await handle.describe();
  await pollUntil(`run ${described.runId} in visibility`, async () => {
    for await (const listed of temporal.client.workflow.list({ query: `RunId = '${described.runId}'` })) return listed;
    return undefined;
  });
  return { runId: described.runId, workflowId: handle.workflowId, closedAt: described.closeTime!.toISOString() };
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-runs-cli-'));
  const emptySource = path.join(dir, 'source');
  fs.mkdirSync(emptySource);
  // Its own warehouse: the one run that completes records itself there, not in the warehouses below.
  const w = await temporal.worker({ source: emptySource, warehouse: `duckdb:${path.join(dir, 'worker.duckdb')}` });
  const start = (input: EtlInput, options: { taskQueue?: string; timeoutMs?: number } = {}) =>
    temporal.client.workflow.start('etlRun', {
      taskQueue: options.taskQueue ?? w.taskQueue,
      workflowId: `runs-cli-${randomUUID()}`,
      args: [input],
      ...(options.timeoutMs ? { workflowExecutionTimeout: options.timeoutMs } : {}),
    });
  const window = { from: '2018-11-01', to: '2018-11-01' };
  // No worker polls this queue: Temporal alone closes these two.
  const terminated = await start({ window }, { taskQueue: `nobody-${randomUUID()}` });
  await terminated.terminate('operator stopped it');
  const timedOut = await start({ window }, { taskQueue: `nobody-${randomUUID()}`, timeoutMs: 1000 });
  // Cancelled before the worker runs its first task: it stops before any step, recording nothing.
  const cancelled = await start({ window });
  await cancelled.cancel();
  await w.during(async () => {
    // Fails its input check, before any step: nothing recorded either.
    const failed = await start({ window: 'yesterday' } as unknown as EtlInput);
    const completed = await start({ window });
    Object.assign(closed, {
      terminated: await closedRun(terminated),
      'timed out': await closedRun(timedOut),
      cancelled: await closedRun(cancelled),
      failed: await closedRun(failed),
      completed: await closedRun(completed),
    });
  });
  for (const [status, run] of Object.entries(closed)) {
    const described = await temporal.client.workflow.getHandle(run.workflowId, run.runId).describe();
    expect([status, described.status.name.toLowerCase().replace('_', ' ')]).toEqual([status, status]);
  }
}, 120_000);

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await temporal?.stop();
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** `sparkify ARGS`, run without blocking this process: the Redshift emulator answers from here. */
function sparkify(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_NAMESPACE: temporal.server.namespace, SPARKIFY_LOG_LEVEL: 'warn' };
  for (const name of ['SPARKIFY_WAREHOUSE', 'TEMPORAL_ADDRESS']) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [SPARKIFY_BIN, ...args], { encoding: 'utf8', timeout: 120_000, env }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const runsCleanup = (uri: string, ...args: string[]) => sparkify(['runs', 'cleanup', '--temporal', temporal.server.address, '--warehouse', uri, ...args]);
const runsList = (uri: string, ...args: string[]) => sparkify(['runs', 'list', '--warehouse', uri, ...args]);

/** A fresh warehouse of each engine, with the schema a run of this release creates. */
const ENGINES: Array<[string, (label: string) => Promise<string>]> = [
  ['duckdb', async (label) => `duckdb:${path.join(dir, `${label}.duckdb`)}`],
  ['postgres', (label) => createTestDatabase(pg.url, label)],
  [
    'redshift',
    async (label) => {
      // No COPY here: the emulator's S3 is never reached.
      const emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, label), s3: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true } });
      emulators.push(emulator);
      return `redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${encodeURIComponent(emulator.endpoint)}`;
    },
  ],
];
const newWarehouse = (engine: string, label: string) => ENGINES.find(([name]) => name === engine)![1](label);

/** `fn` on `uri` opened in this process, closed after (a DuckDB file is the CLI's only while closed here). */
async function onWarehouse<T>(uri: string, fn: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(parseWarehouseUri(uri, 'test'));
  try {
    return await fn(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** What a run killed mid-publish leaves: its file list, its publishing mark and a staging row. */
function leftMidPublish(runId: string, date: string): string[] {
  const key = `log_data/2018/11/${date}-events.json`;
  return [
    `INSERT INTO etl_run_files (run_id, kind, source_key) VALUES ('${runId}', 'events', '${key}')`,
    `INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('${runId}', CAST('2018-11-30 12:00:00' AS TIMESTAMP))`,
    `INSERT INTO staging_events (run_id, source_key, source_line, userid) VALUES ('${runId}', '${key}', 1, '7')`,
  ];
}

/** The runs' bookkeeping, times as ISO text: what the commands write, or must not. */
async function bookkeeping(warehouse: Warehouse) {
  const iso = (rows: Record<string, unknown>[], column: string) =>
    rows.map((row) => ({ ...row, [column]: row[column] === null ? null : timestampTextToIso(String(row[column])) }));
  return {
    abandoned: iso(await warehouse.query('SELECT run_id, workflow_id, status, CAST(closed_at AS VARCHAR) AS closed_at, found_by, reason FROM etl_abandoned_runs ORDER BY run_id'), 'closed_at'),
    failed: iso(await warehouse.query('SELECT run_id, CAST(failed_at AS VARCHAR) AS failed_at FROM etl_failed_runs ORDER BY run_id'), 'failed_at'),
    publishing: await warehouse.query('SELECT run_id FROM etl_publishing_runs ORDER BY run_id'),
    unknown: await warehouse.query('SELECT run_id FROM etl_unknown_runs ORDER BY run_id'),
  };
}

const staged = async (warehouse: Warehouse) => (await warehouse.query('SELECT DISTINCT run_id FROM staging_events ORDER BY run_id')).map((r) => String(r.run_id));

describe.each(ENGINES.map(([engine]) => engine))('%s', (engine) => {
  test("--abandon of a run Temporal reports terminated records it failed as of its close, with Temporal's status and workflow and the reason; one it reports completed is refused", async () => {
    const uri = await newWarehouse(engine, 'abandon_closed');
    const { terminated, completed } = closed;
    await onWarehouse(uri, async (warehouse) => {
      await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
      await attachStagingPartitions(warehouse, terminated.runId, completed.runId);
      await warehouse.execute([...leftMidPublish(terminated.runId, '2018-11-01'), ...leftMidPublish(completed.runId, '2018-11-02')]);
      // Counted unknown before (a worker pointed at another namespace, say): the row goes with the record.
      await recordUnknownRuns(warehouse, [terminated.runId], 'earlier-run', new Date('2018-11-30T13:00:00.000Z'));
    });
    const before = await onWarehouse(uri, bookkeeping);

    const refused = await runsCleanup(uri, '--abandon', completed.runId, '--reason', 'looks stuck');
    expect(refused).toEqual({
      status: 1,
      stdout: '',
      stderr:
        `sparkify: Temporal knows run ${completed.runId} but reports it completed, neither running nor closed without its record ` +
        `(\`temporal workflow list --query "RunId = '${completed.runId}'"\` shows it): it is left as it is. Nothing was recorded.\n`,
    });
    expect(await onWarehouse(uri, bookkeeping)).toEqual(before);

    const done = await runsCleanup(uri, '--abandon', terminated.runId, '--reason', 'its worker was decommissioned');
    expect(done).toEqual({
      status: 0,
      stderr: '',
      stdout:
        `Recorded run ${terminated.runId} failed as you stated it gone (Temporal reports it terminated at ${terminated.closedAt}); ` +
        'its publishing mark is cleared, its staging rows go with the retention.\n',
    });
    await onWarehouse(uri, async (warehouse) => {
      expect(await bookkeeping(warehouse)).toEqual({
        abandoned: [
          { run_id: terminated.runId, workflow_id: terminated.workflowId, status: 'terminated', closed_at: terminated.closedAt, found_by: 'sparkify runs cleanup --abandon', reason: 'its worker was decommissioned' },
        ],
        // As of Temporal's close, not of the command.
        failed: [{ run_id: terminated.runId, failed_at: terminated.closedAt }],
        publishing: [{ run_id: completed.runId }],
        unknown: [],
      });
      await warehouse.execute(clearStagingStatements(warehouse.dialect, new Date(), 0));
      expect(await staged(warehouse)).toEqual([completed.runId]);
    });

    const again = await runsCleanup(uri, '--abandon', terminated.runId);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`sparkify: run ${terminated.runId} already has an outcome (failed at ${terminated.closedAt}, in etl_failed_runs): there is nothing to abandon. Nothing was recorded.\n`);
  }, 120_000);
});

test.each(['timed out', 'failed', 'cancelled'] as const)('postgres: --abandon of a run Temporal reports %s records it with that status and close time (--json)', async (status) => {
  const run = closed[status];
  const uri = await newWarehouse('postgres', `abandon_${status.replace(' ', '_')}`);
  await onWarehouse(uri, async (warehouse) => {
    await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
    await attachStagingPartitions(warehouse, run.runId);
    await warehouse.execute(leftMidPublish(run.runId, '2018-11-01'));
  });
  const done = await runsCleanup(uri, '--abandon', run.runId, '--json');
  expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
  expect(JSON.parse(done.stdout)).toEqual({ abandoned: { runId: run.runId, workflowId: run.workflowId, status, closedAt: run.closedAt, reason: null } });
  expect(await onWarehouse(uri, bookkeeping)).toEqual({
    abandoned: [{ run_id: run.runId, workflow_id: run.workflowId, status, closed_at: run.closedAt, found_by: 'sparkify runs cleanup --abandon', reason: null }],
    failed: [{ run_id: run.runId, failed_at: run.closedAt }],
    publishing: [],
    unknown: [],
  });
}, 120_000);

test('redshift: runs list through the CLI lists each state, asks Temporal and writes nothing; a run Temporal does not know, stated gone, is listed abandoned after', async () => {
  const uri = await newWarehouse('redshift', 'runs_list');
  const { terminated } = closed;
  const unknownRun = randomUUID();
  await onWarehouse(uri, async (warehouse) => {
    await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
    await warehouse.execute([
      "INSERT INTO etl_runs (run_id, window_start, window_end, status, started_at, finished_at) VALUES ('done', '2018-11-03', '2018-11-04', 'completed', CAST('2018-11-30 10:00:00' AS TIMESTAMP), CAST('2018-11-30 10:05:00' AS TIMESTAMP))",
      "INSERT INTO etl_run_files (run_id, kind, source_key) VALUES ('failed-own', 'events', 'log_data/2018/11/2018-11-05-events.json')",
      ...recordFailedRunStatements(warehouse.dialect, 'failed-own', new Date('2018-11-30T11:00:00.000Z')),
      ...leftMidPublish(terminated.runId, '2018-11-01'),
      ...leftMidPublish(unknownRun, '2018-11-02'),
    ]);
    await recordUnknownRuns(warehouse, [unknownRun], 'done', new Date('2018-11-30T14:00:00.000Z'));
  });
  const before = await onWarehouse(uri, bookkeeping);

  const json = await runsList(uri, '--temporal', temporal.server.address, '--json');
  expect({ status: json.status, stderr: json.stderr }).toEqual({ status: 0, stderr: '' });
  expect(JSON.parse(json.stdout)).toEqual({
    warehouse: 'redshift-data://workgroup/etl/dev',
    recorded: [
      { runId: 'failed-own', outcome: 'failed', window: { from: '2018-11-05', to: '2018-11-05' }, startedAt: null, finishedAt: '2018-11-30T11:00:00.000Z' },
      { runId: 'done', outcome: 'completed', window: { from: '2018-11-03', to: '2018-11-04' }, startedAt: '2018-11-30T10:00:00.000Z', finishedAt: '2018-11-30T10:05:00.000Z' },
    ],
    unrecorded: expect.arrayContaining([
      {
        runId: terminated.runId,
        window: { from: '2018-11-01', to: '2018-11-01' },
        publishingSince: '2018-11-30T12:00:00.000Z',
        temporal: 'closed without a record',
        status: 'terminated',
        closedAt: terminated.closedAt,
        workflowId: terminated.workflowId,
      },
      {
        runId: unknownRun,
        window: { from: '2018-11-02', to: '2018-11-02' },
        publishingSince: '2018-11-30T12:00:00.000Z',
        temporal: 'unknown to Temporal',
        foundUnknown: { firstFoundAt: '2018-11-30T14:00:00.000Z', firstFoundBy: 'done', lastFoundAt: '2018-11-30T14:00:00.000Z', timesFound: 1 },
      },
    ]),
    unrecordedTotal: 2,
    temporalAsked: true,
    notes: [],
  });
  const text = await runsList(uri);
  expect({ status: text.status, stderr: text.stderr }).toEqual({ status: 0, stderr: '' });
  expect(text.stdout).toContain('  completed done  2018-11-03 … 2018-11-04  started 2018-11-30T10:00:00.000Z, finished 2018-11-30T10:05:00.000Z\n');
  expect(text.stdout).toContain(`  ${unknownRun}  2018-11-02; publishing since 2018-11-30T12:00:00.000Z; found unknown to Temporal first at 2018-11-30T14:00:00.000Z by done, 1 time(s) in all\n`);
  expect(text.stdout).toContain('Temporal was not asked whether they are going, closed or unknown to it');
  // Read only: nothing recorded, counted or cleared.
  expect(await onWarehouse(uri, bookkeeping)).toEqual(before);

  const abandoned = await runsCleanup(uri, '--abandon', unknownRun, '--reason', "its server's disk was wiped");
  expect(abandoned).toEqual({
    status: 0,
    stderr: '',
    stdout: `Recorded run ${unknownRun} failed as you stated it gone (Temporal does not know it); its publishing mark is cleared, its staging rows go with the retention.\n`,
  });
  // The one Temporal reports terminated: recorded by the cleanup on demand, with Temporal's status.
  const cleanup = await runsCleanup(uri);
  expect(cleanup).toEqual({
    status: 0,
    stderr: '',
    stdout: `Recorded run ${terminated.runId} (workflow ${terminated.workflowId}) failed: terminated at ${terminated.closedAt}; its publishing mark is cleared, its staging rows go with the retention.\n`,
  });

  const after = await runsList(uri, '--temporal', temporal.server.address, '--json');
  expect({ status: after.status, stderr: after.stderr }).toEqual({ status: 0, stderr: '' });
  const listed = JSON.parse(after.stdout);
  expect(listed).toMatchObject({ unrecorded: [], unrecordedTotal: 0 });
  expect(listed.recorded.map((r: { runId: string }) => r.runId)).toEqual([unknownRun, terminated.runId, 'failed-own', 'done']);
  expect(listed.recorded.slice(0, 2)).toEqual([
    {
      runId: unknownRun,
      outcome: 'abandoned',
      window: { from: '2018-11-02', to: '2018-11-02' },
      startedAt: null,
      finishedAt: expect.any(String),
      workflowId: '',
      status: 'abandoned',
      reason: "its server's disk was wiped",
      foundBy: 'sparkify runs cleanup --abandon',
      foundAt: listed.recorded[0].finishedAt,
    },
    {
      runId: terminated.runId,
      outcome: 'abandoned',
      window: { from: '2018-11-01', to: '2018-11-01' },
      startedAt: null,
      finishedAt: terminated.closedAt,
      workflowId: terminated.workflowId,
      status: 'terminated',
      reason: null,
      foundBy: 'sparkify runs cleanup',
      foundAt: expect.any(String),
    },
  ]);
  expect(await onWarehouse(uri, async (w) => (await bookkeeping(w)).unknown)).toEqual([]);
}, 120_000);
