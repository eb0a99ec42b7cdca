/**
 * A run terminated mid-publish (`temporal workflow terminate` runs no workflow code), or closed by
 * its workflow execution timeout, recorded nothing: its publishing mark counted for about 15 days
 * and its staging rows stayed until deleted by hand. Now the next run (or `sparkify runs cleanup`)
 * asks Temporal about the runs with no recorded outcome, and records such a run failed, with
 * Temporal's status: its mark goes, and its staging rows with the retention (0 days here). A run
 * still going beside it keeps its mark and rows. On DuckDB and PostgreSQL, with a real Temporal dev
 * server and in-process workers.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { clearStagingStatements } from '../src/activities/clearStaging';
import { parseWarehouseUri } from '../src/config';
import { recordAbandonedRuns } from '../src/ledger/abandonedRuns';
import { silentLogger, type Logger } from '../src/log';
import { openWarehouse } from '../src/warehouse';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import type { etlRun } from '../src/workflows/etl';
import { SAMPLE_DIR } from './harness/temporal';
import { HELD, publishHold, runsTestServersInFile, withUnreachableTemporal } from './support/runsWithoutOutcome';
import { attachStagingPartitions } from './support/stagingPartitions';

const servers = runsTestServersInFile('abandoned');
const retentionBefore = process.env.SPARKIFY_STAGING_RETENTION_DAYS;

beforeAll(() => {
  // The completing run's summary clears expired staging rows: at once, here.
  process.env.SPARKIFY_STAGING_RETENTION_DAYS = '0';
});

afterAll(() => {
  if (retentionBefore === undefined) delete process.env.SPARKIFY_STAGING_RETENTION_DAYS;
  else process.env.SPARKIFY_STAGING_RETENTION_DAYS = retentionBefore;
});

describe.each(servers.warehouses)('%s', (_name, newWarehouse) => {
  test('the next run records a terminated run failed, clears its mark and staging rows, and leaves a running one alone', async () => {
    const uri = await newWarehouse('abandoned');
    const hold = publishHold();
    const w = await servers.temporal.worker({ source: SAMPLE_DIR, warehouse: uri, activityInterceptors: [hold.interceptor] });
    const opened: Warehouse = await w.resources.warehouse(uri);
    const rows = async (sql: string) => opened.query(sql);
    const count = async (table: string, runId: string) => Number((await rows(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = '${runId}'`))[0].n);

    await w.during(async () => {
      const terminated = await w.start({ window: { from: '2018-11-01', to: '2018-11-01' } }, `${HELD}terminated-${Date.now()}`);
      const running = await w.start({ window: { from: '2018-11-02', to: '2018-11-02' } }, `${HELD}running-${Date.now()}`);
      await Promise.all([hold.reached(terminated.workflowId), hold.reached(running.workflowId)]);
      const [terminatedRun, runningRun] = [(await terminated.describe()).runId, (await running.describe()).runId];
      for (const runId of [terminatedRun, runningRun]) {
        expect(await count('etl_publishing_runs', runId)).toBe(1);
        expect(await count('staging_events', runId)).toBeGreaterThan(0);
      }

      await terminated.terminate('operator stopped it');
      await expect(terminated.result()).rejects.toThrow('operator stopped it');

      const next = await (await w.start({ window: { from: '2018-11-03', to: '2018-11-03' } })).result();
      expect(next.status).toBe('completed');

      // The terminated run: recorded failed as of its close, with Temporal's status; mark and staging gone.
      const closeTime = (await terminated.describe()).closeTime!;
      expect(await rows(`SELECT run_id, CAST(failed_at AS VARCHAR) AS failed_at FROM etl_failed_runs`)).toEqual([
        { run_id: terminatedRun, failed_at: expect.stringMatching(new RegExp(`^${closeTime.toISOString().slice(0, 19).replace('T', ' ')}`)) },
      ]);
      expect(await rows(`SELECT run_id, workflow_id, status, found_by FROM etl_abandoned_runs`)).toEqual([
        { run_id: terminatedRun, workflow_id: terminated.workflowId, status: 'terminated', found_by: next.runId },
      ]);
      for (const table of ['etl_publishing_runs', 'staging_events', 'staging_songs']) expect(await count(table, terminatedRun)).toBe(0);

      // The run still going: untouched.
      expect(await count('etl_publishing_runs', runningRun)).toBe(1);
      expect(await count('staging_events', runningRun)).toBeGreaterThan(0);
      expect(await count('etl_failed_runs', runningRun)).toBe(0);

      hold.release();
      expect((await running.result()).status).toBe('completed');
      expect(await count('etl_failed_runs', runningRun)).toBe(0);
      expect(await count('etl_abandoned_runs', runningRun)).toBe(0);
    });
  }, 240_000);
});

/** `sparkify runs cleanup` of `uri` through the test server, with `args` after it. */
const runsCleanup = (uri: string, ...args: string[]) => servers.sparkify(['runs', 'cleanup', '--temporal', servers.temporal.server.address, '--warehouse', uri, ...args]);

/** `sparkify doctor`'s check warehouse.abandonedRuns of `uri`. */
function doctorAbandonedRunsCheck(uri: string, taskQueue: string) {
  const doctor = servers.sparkify(['doctor', '--temporal', servers.temporal.server.address, '--warehouse', uri, '--json'], { SPARKIFY_TASK_QUEUE: taskQueue });
  return (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string; fix?: string }[] }).checks.find((c) => c.id === 'warehouse.abandonedRuns');
}

/** A logger whose lines are kept, parsed: what a worker would log. */
function capturingLogger(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe.each(servers.warehouses)('%s', (_name, newWarehouse) => {
  test('a run Temporal does not know is left as it is, counted by every run, and logged only by the one that found it first', async () => {
    const uri = await newWarehouse('unknown');
    const w = await servers.temporal.worker({ source: SAMPLE_DIR, warehouse: uri });
    const opened: Warehouse = await w.resources.warehouse(uri);
    await w.during(async () => {
      expect((await (await w.start({ window: { from: '2018-11-01', to: '2018-11-01' } })).result()).status).toBe('completed');
      // What a run of another server, killed mid-publish, leaves: a file list and a mark, no outcome.
      const unknownRun = randomUUID();
      await opened.execute([
        `INSERT INTO etl_run_files (run_id, kind, source_key, etag, size) VALUES ('${unknownRun}', 'events', 'log_data/2018/11/2018-11-02-events.json', 'e', 1)`,
        `INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('${unknownRun}', CAST('2018-11-30 12:00:00' AS TIMESTAMP))`,
      ]);
      const kept = () => opened.query(`SELECT run_id, first_found_by, times_found FROM etl_unknown_runs`);

      const first = capturingLogger();
      const outcome = await recordAbandonedRuns({ warehouse: opened, client: servers.temporal.client, foundBy: 'first', log: first.log });
      expect(outcome).toMatchObject({ recorded: [], running: [], unknown: [unknownRun], unknownFound: [{ runId: unknownRun, firstFoundBy: 'first', timesFound: 1 }] });
      expect(first.lines.filter((l) => l.level >= 30).map((l) => l.msg)).toEqual([
        expect.stringMatching(new RegExp(`^run ${unknownRun} has no recorded outcome and Temporal does not know it .*Once you know it is gone: sparkify runs cleanup --abandon ${unknownRun} --reason`)),
      ]);
      expect(await kept()).toEqual([{ run_id: unknownRun, first_found_by: 'first', times_found: 1 }]);

      // The next run counts it in its createSchema.
      expect((await (await w.start({ window: { from: '2018-11-03', to: '2018-11-03' } })).result()).status).toBe('completed');
      expect(await kept()).toEqual([{ run_id: unknownRun, first_found_by: 'first', times_found: 2 }]);

      const later = capturingLogger();
      await recordAbandonedRuns({ warehouse: opened, client: servers.temporal.client, foundBy: 'later', log: later.log });
      expect(later.lines.filter((l) => l.level >= 30)).toEqual([]);
      expect(await kept()).toEqual([{ run_id: unknownRun, first_found_by: 'first', times_found: 3 }]);

      // Nothing recorded of it: its mark and file list stay.
      expect(await opened.query(`SELECT run_id FROM etl_failed_runs WHERE run_id = '${unknownRun}'`)).toEqual([]);
      expect(await opened.query(`SELECT run_id FROM etl_publishing_runs`)).toEqual([{ run_id: unknownRun }]);

      // What is kept of it, shown where the operator looks (the CLI opens PostgreSQL beside the worker).
      if (!uri.startsWith('postgres')) return;
      const since = `${unknownRun} (found unknown first at ${outcome.unknownFound![0].firstFoundAt} by first, `;
      const cleanup = runsCleanup(uri);
      expect({ status: cleanup.status, stderr: cleanup.stderr }).toEqual({ status: 0, stderr: '' });
      expect(cleanup.stdout).toContain(`Temporal does not know (closed longer ago than the namespace's retention, or of another namespace): ${since}4 time(s) in all).`);
      expect(doctorAbandonedRunsCheck(uri, w.taskQueue)).toMatchObject({
        status: 'warning',
        detail: expect.stringContaining(`${since}4 time(s) in all)`),
        fix: `once you know one is gone: sparkify runs cleanup --temporal ${servers.temporal.server.address} --warehouse ${uri} --abandon ${unknownRun} --reason '…'`,
      });
    });
  }, 240_000);
});

describe.each(servers.warehouses)('%s', (_name, newWarehouse) => {
  test("sparkify runs cleanup --abandon records a run Temporal does not know failed, with the operator's reason; refuses one with an outcome, or none listed", async () => {
    const uri = await newWarehouse('abandon_by_hand');
    const unknownRun = randomUUID();
    const warehouse = await openWarehouse(parseWarehouseUri(uri, 'test'));
    try {
      await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
      await attachStagingPartitions(warehouse, unknownRun);
      // A run of another server, killed mid-publish, one killed as it listed, and one that completed.
      await warehouse.execute([
        `INSERT INTO etl_run_files (run_id, kind, source_key) VALUES ('${unknownRun}', 'events', 'log_data/2018/11/2018-11-02-events.json'), ('done', 'events', 'log_data/2018/11/2018-11-01-events.json'), ('zz-listed-only', 'events', 'log_data/2018/11/2018-11-04-events.json')`,
        `INSERT INTO etl_publishing_runs (run_id, started_at) VALUES ('${unknownRun}', CAST('2018-11-30 12:00:00' AS TIMESTAMP))`,
        `INSERT INTO staging_events (run_id, source_key, source_line, userid) VALUES ('${unknownRun}', 'log_data/2018/11/2018-11-02-events.json', 1, '7')`,
        "INSERT INTO etl_runs (run_id, status, finished_at) VALUES ('done', 'completed', CAST('2018-11-30 12:00:00' AS TIMESTAMP))",
      ]);
      expect((await recordAbandonedRuns({ warehouse, client: servers.temporal.client, foundBy: 'r1', log: silentLogger })).unknown).toEqual([unknownRun, 'zz-listed-only']);
    } finally {
      await warehouse.close();
    }

    const withOutcome = runsCleanup(uri, '--abandon', 'done');
    expect({ status: withOutcome.status, stdout: withOutcome.stdout }).toEqual({ status: 1, stdout: '' });
    expect(withOutcome.stderr).toBe('sparkify: run done already has an outcome (completed at 2018-11-30T12:00:00.000Z, in etl_runs): there is nothing to abandon. Nothing was recorded.\n');
    const notListed = runsCleanup(uri, '--abandon', 'no-such-run');
    expect(notListed.status).toBe(1);
    expect(notListed.stderr).toContain('lists no run no-such-run (no file list, no publishing mark): check the run id');
    const reasonAlone = runsCleanup(uri, '--reason', 'gone');
    expect(reasonAlone).toMatchObject({ status: 2, stderr: 'sparkify: --reason goes with --abandon RUN_ID: give the run you state is gone\n' });

    const done = runsCleanup(uri, '--abandon', unknownRun, '--reason', "its server's disk was wiped");
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(done.stdout).toBe(
      `Recorded run ${unknownRun} failed as you stated it gone (Temporal does not know it); its publishing mark is cleared, its staging rows go with the retention.\n`,
    );

    const after = await openWarehouse(parseWarehouseUri(uri, 'test'));
    try {
      expect(await after.query('SELECT run_id, workflow_id, status, closed_at, found_by, reason FROM etl_abandoned_runs')).toEqual([
        { run_id: unknownRun, workflow_id: '', status: 'abandoned', closed_at: null, found_by: 'sparkify runs cleanup --abandon', reason: "its server's disk was wiped" },
      ]);
      expect(await after.query('SELECT run_id FROM etl_failed_runs')).toEqual([{ run_id: unknownRun }]);
      expect(await after.query('SELECT run_id FROM etl_publishing_runs')).toEqual([]);
      expect(await after.query('SELECT run_id FROM etl_unknown_runs')).toEqual([{ run_id: 'zz-listed-only' }]);
      // Its staging rows go with the retention, as any failed run's.
      await after.execute(clearStagingStatements(after.dialect, new Date(), 0));
      expect(await after.query('SELECT run_id FROM staging_events')).toEqual([]);
    } finally {
      await after.close();
    }

    // Without a reason, as JSON.
    const json = runsCleanup(uri, '--abandon', 'zz-listed-only', '--json');
    expect({ status: json.status, stderr: json.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({ abandoned: { runId: 'zz-listed-only', workflowId: '', status: 'abandoned', closedAt: null, reason: null } });
    const last = await openWarehouse(parseWarehouseUri(uri, 'test'));
    try {
      expect(await last.query("SELECT status, reason FROM etl_abandoned_runs WHERE run_id = 'zz-listed-only'")).toEqual([{ status: 'abandoned', reason: null }]);
      expect(await last.query('SELECT run_id FROM etl_unknown_runs')).toEqual([]);
    } finally {
      await last.close();
    }

    const again = runsCleanup(uri, '--abandon', unknownRun);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^sparkify: run ${unknownRun} already has an outcome \\(failed at .*, in etl_failed_runs\\)`));
  }, 120_000);
});

test('a run that hit its workflow execution timeout is recorded failed as timed out by the next run', async () => {
  const uri = await servers.newPostgresWarehouse('abandoned_timeout');
  const hold = publishHold();
  const w = await servers.temporal.worker({ source: SAMPLE_DIR, warehouse: uri, activityInterceptors: [hold.interceptor] });
  const opened: Warehouse = await w.resources.warehouse(uri);
  await w.during(async () => {
    // Held in its songplays publish until Temporal closes it; the timeout is the server's, not an assertion.
    const timedOut = await servers.temporal.client.workflow.start<typeof etlRun>('etlRun', {
      taskQueue: w.taskQueue,
      workflowId: `${HELD}timed-out-${Date.now()}`,
      args: [{ window: { from: '2018-11-01', to: '2018-11-01' } }],
      workflowExecutionTimeout: '20 seconds',
    });
    await hold.reached(timedOut.workflowId);
    const runId = (await timedOut.describe()).runId;
    await expect(timedOut.result()).rejects.toThrow(/timed out/i);
    expect((await timedOut.describe()).status.name).toBe('TIMED_OUT');

    const next = await (await w.start({ window: { from: '2018-11-03', to: '2018-11-03' } })).result();
    expect(await opened.query('SELECT run_id, workflow_id, status, found_by FROM etl_abandoned_runs')).toEqual([
      { run_id: runId, workflow_id: timedOut.workflowId, status: 'timed out', found_by: next.runId },
    ]);
    expect(await opened.query(`SELECT run_id FROM etl_publishing_runs`)).toEqual([]);
    expect(Number((await opened.query(`SELECT COUNT(*) AS n FROM staging_events WHERE run_id = '${runId}'`))[0].n)).toBe(0);
  });
}, 240_000);

test('sparkify doctor reports a terminated run; sparkify runs cleanup records it failed on demand, says so, and leaves a running one alone', async () => {
  const uri = await servers.newPostgresWarehouse('abandoned_cli');
  const hold = publishHold();
  const w = await servers.temporal.worker({ source: SAMPLE_DIR, warehouse: uri, activityInterceptors: [hold.interceptor] });
  const opened: Warehouse = await w.resources.warehouse(uri);
  const count = async (table: string, runId: string) => Number((await opened.query(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = '${runId}'`))[0].n);
  const cleanup = () => runsCleanup(uri);

  await w.during(async () => {
    const terminated = await w.start({ window: { from: '2018-11-01', to: '2018-11-01' } }, `${HELD}terminated-${Date.now()}`);
    const running = await w.start({ window: { from: '2018-11-02', to: '2018-11-02' } }, `${HELD}running-${Date.now()}`);
    await Promise.all([hold.reached(terminated.workflowId), hold.reached(running.workflowId)]);
    const [terminatedRun, runningRun] = [(await terminated.describe()).runId, (await running.describe()).runId];
    await terminated.terminate('operator stopped it');
    await expect(terminated.result()).rejects.toThrow('operator stopped it');

    // The doctor reports it (and records nothing).
    const abandonedCheck = () => doctorAbandonedRunsCheck(uri, w.taskQueue);
    const before = abandonedCheck();
    expect(before).toMatchObject({ status: 'warning', fix: expect.stringContaining('sparkify runs cleanup --temporal') });
    expect(before!.detail).toContain(`1 run(s) closed without recording their outcome: ${terminatedRun} (workflow ${terminated.workflowId}, terminated at `);
    expect(await count('etl_abandoned_runs', terminatedRun)).toBe(0);

    const done = cleanup();
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(done.stdout).toContain(`Recorded run ${terminatedRun} (workflow ${terminated.workflowId}) failed: terminated at `);
    expect(done.stdout).toContain(`Left 1 run(s) Temporal reports running: ${runningRun}.`);
    expect(await opened.query('SELECT run_id, status, found_by FROM etl_abandoned_runs')).toEqual([{ run_id: terminatedRun, status: 'terminated', found_by: 'sparkify runs cleanup' }]);
    expect(await count('etl_failed_runs', terminatedRun)).toBe(1);
    expect(await count('etl_publishing_runs', terminatedRun)).toBe(0);
    expect(await count('etl_publishing_runs', runningRun)).toBe(1);
    expect(abandonedCheck()).toMatchObject({ status: 'ok', detail: 'none; 1 run(s) going' });

    // A run Temporal reports running is never abandoned by hand.
    const refused = runsCleanup(uri, '--abandon', runningRun, '--reason', 'looks stuck');
    expect({ status: refused.status, stdout: refused.stdout }).toEqual({ status: 1, stdout: '' });
    expect(refused.stderr).toContain(`sparkify: Temporal reports run ${runningRun} running: it is left as it is.`);
    expect(refused.stderr).toContain('Nothing was recorded.');
    expect(await count('etl_failed_runs', runningRun)).toBe(0);
    expect(await count('etl_publishing_runs', runningRun)).toBe(1);

    hold.release();
    expect((await running.result()).status).toBe('completed');
  });
  // Nothing left to do: said so.
  const again = cleanup();
  expect(again.status).toBe(0);
  expect(again.stdout).toMatch(/^No run of .* is without a recorded outcome: nothing to do\.\n$/);
}, 240_000);

test('a run that cannot reach Temporal from its activity leaves the unrecorded runs as they are', async () => {
  await withUnreachableTemporal(async (warehouse, client) => {
    const outcome = await recordAbandonedRuns({ warehouse, client, foundBy: 'me', log: silentLogger });
    expect(outcome.recorded).toEqual([]);
    expect(outcome.notAsked).toMatch(/^Temporal did not answer: /);
    expect(await warehouse.query('SELECT run_id FROM etl_publishing_runs')).toEqual([{ run_id: 'gone' }]);
    expect(await warehouse.query('SELECT run_id FROM etl_failed_runs')).toEqual([]);
  });
}, 60_000);
