/**
 * `sparkify runs list`: a warehouse's runs and their state, read only. With real runs on DuckDB and
 * PostgreSQL and a real Temporal dev server: a completed run, one held in its publish (running), one
 * terminated there (closed without a record) and one Temporal does not know; asking Temporal records
 * nothing, so the next run or `sparkify runs cleanup` still finds them. And a warehouse an earlier
 * release built, its missing tables said, none created.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { listRuns, type RunListing } from '../src/ledger/runListing';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { SAMPLE_DIR } from './harness/temporal';
import { HELD, publishHold, runsTestServersInFile } from './support/runsWithoutOutcome';

const servers = runsTestServersInFile('runs-list');

const runsList = (uri: string, ...args: string[]) => servers.sparkify(['runs', 'list', '--warehouse', uri, ...args]);

describe.each(servers.warehouses)('%s', (name, newWarehouse) => {
  test('lists a completed run, and asked, a running one, one closed without a record and one Temporal does not know; records none of them', async () => {
    const uri = await newWarehouse('runs_list');
    const hold = publishHold();
    const w = await servers.temporal.worker({ source: SAMPLE_DIR, warehouse: uri, activityInterceptors: [hold.interceptor] });
    const opened: Warehouse = await w.resources.warehouse(uri);
    const bookkeeping = async () => ({
      failed: await opened.query('SELECT run_id FROM etl_failed_runs ORDER BY run_id'),
      abandoned: await opened.query('SELECT run_id FROM etl_abandoned_runs ORDER BY run_id'),
      unknown: await opened.query('SELECT run_id, times_found FROM etl_unknown_runs ORDER BY run_id'),
      publishing: await opened.query('SELECT run_id FROM etl_publishing_runs ORDER BY run_id'),
    });

    await w.during(async () => {
      const completed = await (await w.start({ window: { from: '2018-11-01', to: '2018-11-01' } })).result();
      const terminated = await w.start({ window: { from: '2018-11-02', to: '2018-11-02' } }, `${HELD}terminated-${Date.now()}`);
      const running = await w.start({ window: { from: '2018-11-03', to: '2018-11-03' } }, `${HELD}running-${Date.now()}`);
      await Promise.all([hold.reached(terminated.workflowId), hold.reached(running.workflowId)]);
      const [terminatedRun, runningRun] = [(await terminated.describe()).runId, (await running.describe()).runId];
      await terminated.terminate('operator stopped it');
      await expect(terminated.result()).rejects.toThrow('operator stopped it');
      const closedAt = (await terminated.describe()).closeTime!.toISOString();
      // What a run of another server, killed mid-publish, leaves: a file list and a mark, no outcome.
      const unknownRun = randomUUID();
      await opened.execute([
        `INSERT INTO etl_run_files (run_id, kind, source_key, etag, size) VALUES ('${unknownRun}', 'events', 'log_data/2018/11/2018-11-04-events.json', 'e', 1)`,
        `INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('${unknownRun}', CAST('2018-11-30 12:00:00' AS TIMESTAMP))`,
      ]);
      const before = await bookkeeping();

      const expected: Partial<RunListing> = {
        recorded: [expect.objectContaining({ runId: completed.runId, outcome: 'completed', window: { from: '2018-11-01', to: '2018-11-01' } })],
        unrecorded: expect.arrayContaining([
          expect.objectContaining({ runId: terminatedRun, window: { from: '2018-11-02', to: '2018-11-02' }, temporal: 'closed without a record', status: 'terminated', closedAt, workflowId: terminated.workflowId }),
          expect.objectContaining({ runId: runningRun, window: { from: '2018-11-03', to: '2018-11-03' }, temporal: 'running', publishingSince: expect.any(String) }),
          { runId: unknownRun, window: { from: '2018-11-04', to: '2018-11-04' }, publishingSince: '2018-11-30T12:00:00.000Z', temporal: 'unknown to Temporal' },
        ]),
        unrecordedTotal: 3,
        temporalAsked: true,
        notes: [],
      };
      // In this process: the worker holds a DuckDB file; PostgreSQL is read beside it by the CLI too.
      expect(await listRuns(opened, { limit: 20, client: servers.temporal.client })).toMatchObject(expected);
      if (name === 'PostgreSQL') {
        const json = runsList(uri, '--temporal', servers.temporal.server.address, '--json');
        expect({ status: json.status, stderr: json.stderr }).toEqual({ status: 0, stderr: '' });
        expect(JSON.parse(json.stdout)).toMatchObject(expected);
        const text = runsList(uri, '--temporal', servers.temporal.server.address);
        expect(text.status).toBe(0);
        expect(text.stdout).toContain(`  completed ${completed.runId}  2018-11-01  started `);
        expect(text.stdout).toContain(`3 run(s) with no recorded outcome:\n`);
        expect(text.stdout).toContain(`  ${terminatedRun}  2018-11-02; publishing since `);
        expect(text.stdout).toContain(`; Temporal: terminated at ${closedAt} (workflow ${terminated.workflowId}), not recorded yet`);
        expect(text.stdout).toContain(`  ${runningRun}  2018-11-03; publishing since `);
        expect(text.stdout).toContain(`  ${unknownRun}  2018-11-04; publishing since 2018-11-30T12:00:00.000Z; Temporal: unknown to Temporal`);
        expect(text.stdout).toContain('sparkify runs cleanup (same --temporal and --warehouse)');
        // Not asked: said so.
        const notAsked = runsList(uri);
        expect(notAsked.status).toBe(0);
        expect(notAsked.stdout).toContain('Temporal was not asked whether they are going, closed or unknown to it: give --temporal HOST:PORT (it only asks).');
      }
      // Read only: nothing recorded, counted or cleared.
      expect(await bookkeeping()).toEqual(before);
      expect(before.failed).toEqual([]);
      expect(before.unknown).toEqual([]);

      hold.release();
      expect((await running.result()).status).toBe('completed');
    });
  }, 240_000);
});

test('a warehouse an earlier release built: lists what it has, says what it lacks, creates nothing (the DuckDB file opened read-only)', async () => {
  const file = path.join(servers.dir, 'earlier.duckdb');
  const built = await DuckDbWarehouse.open(file);
  try {
    await built.execute([
      ...sqlStatements('schema/etl_tables', 'duckdb'),
      "INSERT INTO etl_runs (run_id, window_start, window_end, status, started_at, finished_at) VALUES ('r1', '2018-11-01', '2018-11-01', 'completed', CAST('2018-11-30 10:00:00' AS TIMESTAMP), CAST('2018-11-30 10:05:00' AS TIMESTAMP))",
    ]);
  } finally {
    await built.close();
  }
  const text = runsList(`duckdb:${file}`);
  expect({ status: text.status, stderr: text.stderr }).toEqual({ status: 0, stderr: '' });
  expect(text.stdout).toBe(
    [
      `The latest 1 run(s) of duckdb:${file} with a recorded outcome (at most 20, newest first):`,
      '  completed r1  2018-11-01  started 2018-11-30T10:00:00.000Z, finished 2018-11-30T10:05:00.000Z',
      'Not listed: no etl_failed_runs table (an earlier release built the warehouse; the next run creates it): failed runs are not listed.',
      'Not listed: runs with no recorded outcome are not listed: this release keeps them in tables the warehouse lacks (the next run creates them).',
      '',
    ].join('\n'),
  );

  // A later one: etl_abandoned_runs without the operator's reason.
  const later = await DuckDbWarehouse.open(file);
  try {
    await later.execute([
      ...sqlStatements('schema/etl_failed_runs', 'duckdb'),
      'CREATE TABLE etl_abandoned_runs (run_id VARCHAR NOT NULL, workflow_id VARCHAR NOT NULL, status VARCHAR NOT NULL, closed_at TIMESTAMP, found_at TIMESTAMP, found_by VARCHAR)',
      "INSERT INTO etl_failed_runs (run_id, failed_at) VALUES ('t1', CAST('2018-11-30 11:00:00' AS TIMESTAMP))",
      "INSERT INTO etl_abandoned_runs VALUES ('t1', 'sparkify-etl-2018-11-02', 'terminated', CAST('2018-11-30 11:00:00' AS TIMESTAMP), CAST('2018-11-30 12:00:00' AS TIMESTAMP), 'r1')",
    ]);
  } finally {
    await later.close();
  }
  const json = runsList(`duckdb:${file}`, '--json', '--limit', '1');
  expect({ status: json.status, stderr: json.stderr }).toEqual({ status: 0, stderr: '' });
  expect(JSON.parse(json.stdout)).toEqual({
    warehouse: `duckdb:${file}`,
    recorded: [
      { runId: 't1', outcome: 'abandoned', window: { from: '2018-11-02', to: '2018-11-02' }, startedAt: null, finishedAt: '2018-11-30T11:00:00.000Z', workflowId: 'sparkify-etl-2018-11-02', status: 'terminated', reason: null, foundBy: 'r1', foundAt: '2018-11-30T12:00:00.000Z' },
    ],
    unrecorded: [],
    unrecordedTotal: 0,
    temporalAsked: false,
    notes: [],
  });

  const after = await DuckDbWarehouse.open(file);
  try {
    const tables = await after.query("SELECT table_name FROM information_schema.tables WHERE table_name IN ('etl_unknown_runs') ");
    expect(tables).toEqual([]);
    expect((await after.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'etl_abandoned_runs' AND column_name = 'reason'"))).toEqual([]);
  } finally {
    await after.close();
  }
}, 120_000);
