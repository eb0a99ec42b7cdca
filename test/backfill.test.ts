import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { RunSummary } from '../src/etl/types';
import { provisionedTemporalCli } from './support/temporalCli';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { backfillProgressQuery, type backfill, type BackfillProgress } from '../src/workflows/backfill';
import { createTestDatabase, startPostgres, withPostgresWarehouse, type PgServer } from './harness/postgres';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { dumpStarTables } from './support/tables';
import { activitiesInFlight, activityOutcome, pendingActivitiesLine } from './harness/activityHistory';
import { workflowIdFor } from '../src/etl/workflowIds';
import { pollUntil } from './support/poll';
import { runSparkify, SPARKIFY_BIN as BIN } from './support/cli';

/**
 * Backfills and single-date starts as operators run them: the worker as its own process
 * (`bin/sparkify.js worker` over the built `dist/`; the test command builds first), the backfill
 * CLI, and the Temporal CLI's `workflow start` exactly as docs/operations.md shows it.
 */
let temporal: TestTemporal;
let pg: PgServer;
let tmp: string;
const children: ChildProcess[] = [];
const lockers: Client[] = [];

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  expect(await ensureSearchAttributes(temporal.client)).toBe(true);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-backfill-'));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const l of lockers) await l.end().catch(() => undefined);
  await temporal?.stop();
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `sparkify worker` in its own process; resolves once it polls. */
function startWorkerProcess(taskQueue: string, warehouse: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--temporal', temporal.server.address, '--source', SAMPLE_DIR, '--warehouse', warehouse], {
    cwd: tmp,
    env: { ...process.env, SPARKIFY_LOG_LEVEL: 'info', SPARKIFY_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('worker running')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before polling:\n${seen}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function progressUntil(workflowId: string, done: (p: BackfillProgress) => boolean): Promise<BackfillProgress> {
  const handle = temporal.client.workflow.getHandle(workflowId);
  let last: BackfillProgress | undefined;
  return pollUntil(
    `backfill ${workflowId} to reach the awaited progress`,
    async () => {
      last = await handle.query(backfillProgressQuery).catch(() => undefined);
      return last && done(last) ? last : undefined;
    },
    { intervalMs: 250, lastSeen: () => JSON.stringify(last) },
  );
}

describe('backfills and single-date starts', () => {
  test('a worker SIGKILLed mid-backfill and a new one started complete the backfill with correct star tables', async () => {
    const reference = await createTestDatabase(pg.url, 'allfiles');
    await (await temporal.worker()).run({ source: SAMPLE_DIR, warehouse: reference });
    const want = await withPostgresWarehouse(reference, dumpStarTables);

    const warehouse = await createTestDatabase(pg.url, 'killed');
    const taskQueue = `kill-${randomUUID()}`;
    const first = await startWorkerProcess(taskQueue, warehouse);
    const workflowId = `backfill-${randomUUID()}`;
    const handle = await temporal.client.workflow.start<typeof backfill>('backfill', {
      taskQueue,
      workflowId,
      // A short heartbeat timeout: the killed worker's activities are retried within seconds.
      args: [{ from: '2018-11-01', to: '2018-11-30', concurrency: 3, datesPerRun: 10, etl: { heartbeatTimeout: '10 seconds' } }],
    });
    // Once a date is done, hold every later date's events staging in flight: a lock on
    // staging_events (EXCLUSIVE: readers pass, writers wait) taken in a transaction of our own.
    await progressUntil(workflowId, (p) => p.completed >= 1);
    const locker = new Client({ connectionString: warehouse });
    await locker.connect();
    lockers.push(locker);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE staging_events IN EXCLUSIVE MODE');
    // Kill only once a date's run has stageEvents started on the worker and not closed in the
    // history, and a worker session waits on the lock: the step is in flight, not done or not begun.
    let seen = '';
    const interrupted = await pollUntil(
      'a running date whose stageEvents is started and not completed, with a worker session waiting on the staging_events lock',
      async () => {
        const progress = await temporal.client.workflow.getHandle(workflowId).query(backfillProgressQuery);
        await locker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await locker.query(
          // Each waiting statement's first 80 characters after its header comment.
          "SELECT wait_event, left(btrim(regexp_replace(regexp_replace(query, '--[^\\n]*', '', 'g'), '\\s+', ' ', 'g')), 80) AS query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        // What the wait sees goes into its message if it gives up: it did once in CI, and the
        // count of waiting sessions alone did not say why.
        const children = await Promise.all(
          progress.running.map(async (date) => {
            const child = temporal.client.workflow.getHandle(workflowIdFor({ from: date, to: date }));
            return { date, child, pending: await pendingActivitiesLine(child).catch((err: Error) => `not described: ${err.message}`) };
          }),
        );
        seen =
          `${JSON.stringify(progress)}; sessions waiting on a lock: ${rows.length}` +
          rows.map((r) => `\n  waiting (${String(r.wait_event)}): ${String(r.query)}`).join('') +
          children.map((c) => `\n  ${c.date}: ${c.pending}`).join('');
        if (rows.length === 0) return undefined;
        for (const { child } of children) {
          const staging = (await activitiesInFlight(child).catch(() => [])).find((a) => a.activityType === 'stageEvents');
          if (staging) return staging;
        }
        return undefined;
      },
      { intervalMs: 250, lastSeen: () => seen },
    );
    first.kill('SIGKILL');
    await exited(first);
    // The dead worker's blocked statements go on once the lock is gone; their transactions, whose
    // client is dead, roll back.
    await locker.query('COMMIT');

    const second = await startWorkerProcess(taskQueue, warehouse);
    const result = await handle.result();
    second.kill('SIGTERM');
    await exited(second);
    expect(result).toMatchObject({ total: 30, completed: 30, skipped: 0, failed: [], runs: 3 });
    // The activity the kill interrupted was retried (a later attempt started it) and then completed,
    // in the same run of that date: the run was resumed, not started over.
    const outcome = await activityOutcome(temporal.client.workflow.getHandle(interrupted.workflowId, interrupted.runId), interrupted.activityId);
    expect(outcome).toEqual({ activityType: 'stageEvents', lastAttempt: expect.any(Number), scheduled: 1, completed: true });
    expect(outcome.lastAttempt).toBeGreaterThan(interrupted.attempt);
    expect(await withPostgresWarehouse(warehouse, dumpStarTables)).toEqual(want);

    // The CLI's dry run plans from the same ledger: with --only-missing only the unloaded dates remain.
    const planned = sparkify(['backfill', '--from', '2018-11-28', '--to', '2018-12-02', '--only-missing', '--dry-run', '--warehouse', warehouse]);
    expect(planned.status).toBe(0);
    expect(planned.stdout).toBe('Would run 2 date(s), 4 at a time:\n2018-12-01\n2018-12-02\n');
    const all = sparkify(['backfill', '--from', '2018-11-28', '--to', '2018-12-02', '--dry-run', '--newest-first', '--json']);
    expect(JSON.parse(all.stdout)).toEqual({ from: '2018-11-28', to: '2018-12-02', dates: ['2018-12-02', '2018-12-01', '2018-11-30', '2018-11-29', '2018-11-28'] });
  });

  test('a backfill child never runs beside another run of its date: it waits for that run to end, then runs', async () => {
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'busy.duckdb')}` });
    // A run of 2018-11-07 already going (here: on a queue no worker polls, so it stays running).
    const manual = await temporal.client.workflow.start('etlRun', {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId: 'sparkify-etl-2018-11-07',
      args: [{ window: { from: '2018-11-07', to: '2018-11-07' } }],
    });
    const workflowId = `backfill-${randomUUID()}`;
    const result = await w.during(async () => {
      const handle = await temporal.client.workflow.start<typeof backfill>('backfill', {
        taskQueue: w.taskQueue,
        workflowId,
        args: [{ from: '2018-11-07', to: '2018-11-07', etl: {} }],
      });
      // The child's start was refused (the id is taken) and the backfill waits ...
      await pollUntil('the backfill to record that starting the child for 2018-11-07 failed', async () => {
        const history = await handle.fetchHistory();
        return history.events?.some((e) => e.startChildWorkflowExecutionFailedEventAttributes) ? true : undefined;
      });
      expect((await temporal.client.workflow.getHandle('sparkify-etl-2018-11-07').describe()).runId).toBe(manual.firstExecutionRunId);
      // ... until that run ends; then the date runs under the same id.
      await manual.terminate('test: the other run ends');
      return handle.result();
    });
    expect(result).toMatchObject({ completed: 1, failed: [] });
    const latest = await temporal.client.workflow.getHandle('sparkify-etl-2018-11-07').describe();
    expect(latest.runId).not.toBe(manual.firstExecutionRunId);
    expect(latest.status.name).toBe('COMPLETED');
    expect(latest.taskQueue).toBe(w.taskQueue);
  });

  test('sparkify backfill (embedded server and worker) loads the range and says what it did; a bad range is a setting error', () => {
    const db = path.join(tmp, 'cli-backfill.duckdb');
    const run = sparkify(['backfill', '--from', '2018-11-04', '--to', '2018-11-06', '--concurrency', '2', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${db}`]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toBe('Backfill 2018-11-04 … 2018-11-06: 3 date(s) loaded, 0 skipped as already loaded, 0 failed (1 workflow run(s)).\n');
    const again = sparkify(['backfill', '--from', '2018-11-03', '--to', '2018-11-06', '--only-missing', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${db}`]);
    expect(again.stdout).toMatch(/1 date\(s\) loaded, 3 skipped as already loaded, 0 failed/);
    const noLogs = sparkify(['backfill', '--from', '2018-12-01', '--to', '2018-12-02', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${db}`]);
    expect(noLogs.stdout).toBe(
      'Backfill 2018-12-01 … 2018-12-02: 2 date(s) loaded, 0 skipped as already loaded, 0 failed (1 workflow run(s)).\n' +
        '2 of them without events (no log: the date keeps its published plays; or a log without events): 2018-12-01, 2018-12-02.\n',
    );
    const bad = sparkify(['backfill', '--from', '2018-11-06', '--to', '2018-11-04', '--dry-run']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('sparkify: --from 2018-11-06 is after --to 2018-11-04\n');
  });

  // It counted failed dates only: dates loaded without their report read as a clean backfill.
  test("sparkify backfill names the dates whose report was not written, and why", () => {
    const dir = path.join(tmp, 'reports-blocked');
    fs.mkdirSync(dir);
    // A file where the reports beside the DuckDB file go: each date's report cannot be written.
    fs.writeFileSync(path.join(dir, 'reports'), '');
    const run = sparkify(['backfill', '--from', '2018-11-04', '--to', '2018-11-05', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${path.join(dir, 'w.duckdb')}`]);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const [done, missing, ...rest] = run.stdout.split('\n');
    expect(done).toBe('Backfill 2018-11-04 … 2018-11-05: 2 date(s) loaded, 0 skipped as already loaded, 0 failed (1 workflow run(s)).');
    expect(missing).toMatch(/^2 of them loaded, but their insights report NOT written: 2018-11-0[45], 2018-11-0[45] \(2018-11-0[45]: .*reports/);
    expect(missing).toContain('Fix the report location and run those dates again, or write a report with sparkify insights (docs/operations.md).');
    expect(rest).toEqual(['']);
  });

  test('backfill --only-missing runs a date whose log changed since it was loaded, and skips the unchanged ones', () => {
    const source = path.join(tmp, 'changed-source');
    fs.cpSync(SAMPLE_DIR, source, { recursive: true });
    const db = `duckdb:${path.join(tmp, 'changed.duckdb')}`;
    const first = sparkify(['backfill', '--from', '2018-11-04', '--to', '2018-11-06', '--source', source, '--warehouse', db]);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    // The log of the 5th is corrected upstream: one event fewer.
    const log = path.join(source, 'log_data', '2018', '11', '2018-11-05-events.json');
    fs.writeFileSync(log, fs.readFileSync(log, 'utf8').split('\n').slice(1).join('\n'));
    const planned = sparkify(['backfill', '--from', '2018-11-04', '--to', '2018-11-06', '--only-missing', '--dry-run', '--source', source, '--warehouse', db]);
    expect(planned.stdout).toBe('Would run 1 date(s), 4 at a time:\n2018-11-05\n');
    const again = sparkify(['backfill', '--from', '2018-11-04', '--to', '2018-11-06', '--only-missing', '--source', source, '--warehouse', db]);
    expect(again.stdout).toMatch(/1 date\(s\) loaded, 2 skipped as already loaded, 0 failed/);
  });

  test('sparkify run for a day without a log succeeds with a warning, and fails with --fail-on-empty', () => {
    const warehouse = `duckdb:${path.join(tmp, 'empty-day.duckdb')}`;
    const quiet = sparkify(['run', '--date', '2018-12-01', '--source', SAMPLE_DIR, '--warehouse', warehouse, '--json']);
    expect(quiet.status).toBe(0);
    const summary = JSON.parse(quiet.stdout.trim().split('\n').pop()!) as RunSummary;
    expect(summary.tables.songplays).toBe(0);
    expect(summary.checks.find((c) => c.name === 'run has events')).toMatchObject({ severity: 'warn', status: 'fail' });

    const strict = sparkify(['run', '--date', '2018-12-02', '--source', SAMPLE_DIR, '--warehouse', warehouse, '--fail-on-empty']);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/run sparkify-etl-2018-12-02 failed at step checkStagedData: quality check "run has events" failed/);
  });

  test('sparkify run against a server starts the date under its id with the Sparkify search attributes', async () => {
    const warehouse = `duckdb:${path.join(tmp, 'run-attrs.duckdb')}`;
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse });
    const run = spawn(process.execPath, [BIN, 'run', '--temporal', temporal.server.address, '--date', '2018-11-08', '--source', SAMPLE_DIR, '--warehouse', warehouse, '--json'], {
      cwd: tmp,
      env: { ...process.env, SPARKIFY_LOG_LEVEL: 'error', SPARKIFY_TASK_QUEUE: w.taskQueue },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(run);
    const code = await w.during(() => new Promise<number | null>((resolve) => run.once('exit', resolve)));
    expect(code).toBe(0);
    const d = await temporal.client.workflow.getHandle('sparkify-etl-2018-11-08').describe();
    expect(d.status.name).toBe('COMPLETED');
    expect(d.typedSearchAttributes.get({ name: 'SparkifyLogicalDate', type: 'DATETIME' })).toEqual(new Date('2018-11-08T00:00:00Z'));
    expect(d.typedSearchAttributes.get({ name: 'SparkifySource', type: 'KEYWORD' })).toBe(SAMPLE_DIR);
    expect(d.typedSearchAttributes.get({ name: 'SparkifyWarehouse', type: 'KEYWORD' })).toBe(warehouse);
  });

  test('`temporal workflow start` as docs/operations.md shows it completes a run for the date against a worker', async () => {
    const cli = await provisionedTemporalCli();
    const db = path.join(tmp, 'temporal-cli.duckdb');
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${db}` });
    const docs = fs.readFileSync(path.resolve(__dirname, '../docs/operations.md'), 'utf8');
    const documented = /```sh\n(temporal workflow start[^`]*?)\n```/.exec(docs)?.[1];
    expect(documented).toBeDefined();
    // The documented command word for word, pointed at this server and this worker's task queue.
    const args = shellWords(documented!.replace(/\\\n\s*/g, ' '))
      .slice(1)
      .map((a) => (a === 'sparkify-etl' ? w.taskQueue : a));
    const started = spawnSync(cli.path, [...args, '--address', temporal.server.address], { encoding: 'utf8' });
    expect({ status: started.status, stderr: started.stderr }).toEqual({ status: 0, stderr: '' });
    expect(started.stdout).toMatch(/WorkflowId\s+sparkify-etl-2018-11-05/);
    const summary = await w.during(() => temporal.client.workflow.getHandle<() => Promise<RunSummary>>('sparkify-etl-2018-11-05').result());
    expect(summary.window).toEqual({ from: '2018-11-05', to: '2018-11-05' });
    expect(summary.files.events).toBe(1);
    const described = await temporal.client.workflow.getHandle('sparkify-etl-2018-11-05').describe();
    expect(described.typedSearchAttributes.get({ name: 'SparkifyLogicalDate', type: 'DATETIME' })).toEqual(new Date('2018-11-05T00:00:00Z'));
    const wh = await DuckDbWarehouse.open(db);
    try {
      const [row] = await wh.query("SELECT COUNT(*) AS n FROM songplays WHERE CAST(start_time AS DATE) = DATE '2018-11-05'");
      expect(row.n).toBe(summary.tables.songplays);
    } finally {
      await wh.close();
    }
  });
});

function sparkify(args: string[]) {
  return runSparkify(args, { cwd: tmp, env: { SPARKIFY_LOG_LEVEL: 'error', SPARKIFY_TASK_QUEUE: `cli-${randomUUID()}` }, unset: ['TEMPORAL_ADDRESS'] });
}

/** Splits a POSIX shell command line (single and double quotes, no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      current = (current ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else current = (current ?? '') + c;
  }
  if (current !== undefined) words.push(current);
  return words;
}
