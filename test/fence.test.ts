import { MockActivityEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createActivities } from '../src/activities';
import { fenceCurrentAttempt, fencedAppendRows, isFencedOut } from '../src/activities/fence';
import { Resources } from '../src/activities/resources';
import { stageFromClient } from '../src/activities/staging';
import type { StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR } from './harness/temporal';
import { listedKeysOf } from '../src/staging/listedKeys';

/**
 * Two attempts of one step overlapping, as when an attempt outlives its heartbeat timeout and
 * Temporal starts the retry while the old one is still writing. Each writes the step's rows with
 * delete-and-insert in one transaction (as staging and publishing do), tagged with its attempt.
 */
const ROWS = 10;
const HOLD_LOCK = 424242;
let pg: PgServer;
let tmp: string;

beforeAll(async () => {
  pg = await startPostgres();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-fence-'));
});
afterAll(async () => {
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function attemptOf(attempt: number): MockActivityEnvironment {
  return new MockActivityEnvironment({
    attempt,
    activityType: 'stageEvents',
    activityId: '4',
    workflowExecution: { workflowId: 'sparkify-etl-2018-11-05', runId: 'run-1' },
  });
}

/** Claims the step as the given attempt; the statements its write transaction must start with. */
const fenceIn = (env: MockActivityEnvironment, w: Warehouse): Promise<string[]> => env.run(() => fenceCurrentAttempt(w)) as Promise<string[]>;

async function prepare(w: Warehouse): Promise<void> {
  await w.execute([...sqlStatements('schema/etl_attempt_fence', w.dialect), 'CREATE TABLE staged (run_id VARCHAR NOT NULL, line INTEGER NOT NULL, attempt INTEGER NOT NULL)']);
}

function rowsOf(attempt: number, from = 1, to = ROWS): string {
  const values = Array.from({ length: to - from + 1 }, (_, i) => `('run-1', ${from + i}, ${attempt})`);
  return `INSERT INTO staged (run_id, line, attempt) VALUES ${values.join(', ')}`;
}

async function contents(w: Warehouse) {
  const rows = await w.query('SELECT line, attempt FROM staged ORDER BY line, attempt');
  return rows.map((r) => `${r.line}:${r.attempt}`);
}

const newest = (attempt: number) => Array.from({ length: ROWS }, (_, i) => `${i + 1}:${attempt}`);

describe.each([
  ['PostgreSQL', async () => new PostgresWarehouse(await createTestDatabase(pg.url, 'fence')) as Warehouse],
  ['DuckDB', async () => (await DuckDbWarehouse.open(path.join(tmp, `fence-${Date.now()}.duckdb`))) as Warehouse],
])('%s', (_engine, open) => {
  test('a stale attempt that commits after its retry claimed the step is refused and leaves the retry\'s rows as they are', async () => {
    const w = await open();
    try {
      await prepare(w);
      const first = attemptOf(1);
      const second = attemptOf(2);
      const staleFence = await fenceIn(first, w);
      // The retry starts, claims the step and commits its rows ...
      const fence = await fenceIn(second, w);
      await w.execute([...fence, `DELETE FROM staged WHERE run_id = 'run-1'`, rowsOf(2)]);
      // ... then the old attempt, still alive, tries to commit its own.
      const stale = await w.execute([...staleFence, `DELETE FROM staged WHERE run_id = 'run-1'`, rowsOf(1)]).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(stale).toBeDefined();
      expect(isFencedOut(stale)).toBe(true);
      expect(String((stale as Error).message)).toMatch(/stale attempt 1 of stageEvents#4 fenced out by attempt 2/);
      expect(await contents(w)).toEqual(newest(2));
      // An older attempt can never claim the step back.
      const again = await fenceIn(first, w);
      await expect(w.execute([...again, rowsOf(1)])).rejects.toThrow(/fenced out by attempt 2/);
      expect(await contents(w)).toEqual(newest(2));
    } finally {
      await w.close();
    }
  });
});

test('PostgreSQL: a retry claiming the step while the old attempt\'s transaction is open waits for it, then replaces its rows: none duplicated or lost', async () => {
  const url = await createTestDatabase(pg.url, 'fence_overlap');
  const w = new PostgresWarehouse(url);
  const holder = new Client({ connectionString: url });
  const watcher = new Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  try {
    await prepare(w);
    // The old attempt's transaction stalls halfway through its rows (a lock the test holds).
    await holder.query(`SELECT pg_advisory_lock(${HOLD_LOCK})`);
    const first = attemptOf(1);
    const staleFence = await fenceIn(first, w);
    const oldWrite = w.execute([...staleFence, `DELETE FROM staged WHERE run_id = 'run-1'`, rowsOf(1, 1, 5), `SELECT pg_advisory_xact_lock(${HOLD_LOCK})`, rowsOf(1, 6, ROWS)]);
    await waitFor(watcher, 1);

    // The retry starts meanwhile: its claim waits on the old transaction's hold of the claim row.
    const second = attemptOf(2);
    let claimed = false;
    const retry = second.run(async () => {
      const fence = await fenceCurrentAttempt(w);
      claimed = true;
      await w.execute([...fence, `DELETE FROM staged WHERE run_id = 'run-1'`, rowsOf(2)]);
    });
    await waitFor(watcher, 2);
    expect(claimed).toBe(false);

    await holder.query(`SELECT pg_advisory_unlock(${HOLD_LOCK})`);
    await oldWrite; // it held the claim when it began, so it commits whole ...
    await retry; // ... and the retry, which waited, replaces every row of it.
    expect(claimed).toBe(true);
    expect(await contents(w)).toEqual(newest(2));
  } finally {
    await holder.end();
    await watcher.end();
    await w.close();
  }
});

/** Waits until `n` sessions of the database wait on a lock (event-based, with a deadline and message). */
async function waitFor(watcher: Client, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows[0].n >= n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} session(s) waiting on a lock; ${rows[0].n} after 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('PostgreSQL staging: a stale attempt of stageEvents cannot commit after its retry staged the files; no row is staged twice or lost', async () => {
  const url = await createTestDatabase(pg.url, 'fence_staging');
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR });
  try {
    const activities = createActivities({ resources, log: silentLogger });
    await activities.createSchema({ warehouse: '' });
    const w = await resources.warehouse('');
    const keys = ['log_data/2018/11/2018-11-05-events.json', 'log_data/2018/11/2018-11-06-events.json'];
    const stage = (env: MockActivityEnvironment) =>
      env.run(() => stageFromClient({ runId: 'run-1', kind: 'events', keys: listedKeysOf(keys), source: resources.source(''), warehouse: w })) as Promise<StageResult>;
    const staged = async () => (await w.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT source_key || ':' || CAST(source_line AS VARCHAR)) AS lines FROM staging_events`))[0];

    const retry = await stage(attemptOf(2));
    expect(retry.recordsStaged).toBeGreaterThan(0);
    const want = { n: retry.recordsStaged, lines: retry.recordsStaged };
    expect(await staged()).toEqual(want);
    // The first attempt, which Temporal already gave up on, wakes up and stages the same files.
    await expect(stage(attemptOf(1))).rejects.toThrow(/stale attempt 1 of stageEvents#4 fenced out by attempt 2/);
    expect(await staged()).toEqual(want);
  } finally {
    await resources.close();
  }
});

test('PostgreSQL: two attempts claiming a new step at once (the older paused mid-claim) both finish their claims, and the newer one holds it', async () => {
  const url = await createTestDatabase(pg.url, 'fence_claims');
  const w = new PostgresWarehouse(url);
  const holder = new Client({ connectionString: url });
  const watcher = new Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  try {
    await prepare(w);
    // The older attempt's claim stalls after inserting its row, before committing.
    await holder.query(`SELECT pg_advisory_lock(${HOLD_LOCK})`);
    const first = attemptOf(1);
    const claim1 = first.run(async () => {
      const { sqlStatements: render } = await import('../src/warehouse/sql');
      const params = { run_id: 'run-1', step: 'stageEvents#4', attempt: 1 };
      await w.execute([...w.keyLockStatements('run-1|stageEvents#4'), ...render('etl/fence_claim', 'postgres', params), `SELECT pg_advisory_xact_lock(${HOLD_LOCK})`]);
    });
    await waitFor(watcher, 1);
    const second = fenceIn(attemptOf(2), w);
    await waitFor(watcher, 2);
    await holder.query(`SELECT pg_advisory_unlock(${HOLD_LOCK})`);
    await claim1;
    const fence = await second;
    await w.execute([...fence, rowsOf(2)]);
    expect(await w.query('SELECT step, attempt FROM etl_attempt_fence')).toEqual([{ step: 'stageEvents#4', attempt: 2 }]);
    expect(await contents(w)).toEqual(newest(2));
  } finally {
    await holder.end();
    await watcher.end();
    await w.close();
  }
});

/** An attempt of the given activity (its own step in the fence: type and id). */
function attemptOfActivity(activityType: string, attempt: number): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt, activityType, activityId: '2', workflowExecution: { workflowId: 'sparkify-etl-2018-11-05', runId: 'run-1' } });
}

describe.each([
  ['PostgreSQL', async () => createTestDatabase(pg.url, 'fence_append')],
  ['DuckDB', async () => `duckdb:${path.join(tmp, `fence-append-${Date.now()}.duckdb`)}`],
])('appendRows writes on %s are fenced too', (_engine, warehouseUri) => {
  test('fencedAppendRows: a stale attempt\'s append is refused (StaleAttempt) and leaves the retry\'s rows', async () => {
    const uri = await warehouseUri();
    const resources = new Resources({ s3: {}, log: silentLogger });
    try {
      const w = await resources.warehouse(uri);
      await prepare(w);
      const append = (attempt: number) =>
        attemptOf(attempt).run(() =>
          fencedAppendRows(w, 'staged', ['run_id', 'line', 'attempt'], Array.from({ length: ROWS }, (_, i) => ['run-1', i + 1, attempt]), {
            deleteFirst: "DELETE FROM staged WHERE run_id = 'run-1'",
          }),
        );
      const staleClaim = await fenceIn(attemptOf(1), w);
      expect(staleClaim.length).toBeGreaterThan(0);
      await expect(append(2)).resolves.toBe(ROWS);
      await expect(append(1)).rejects.toMatchObject({ type: 'StaleAttempt', nonRetryable: true, message: expect.stringMatching(/stale attempt 1 of stageEvents#4 fenced out by attempt 2/) });
      expect(await contents(w)).toEqual(newest(2));
    } finally {
      await resources.close();
    }
  });

  test('listing, text repair and check results: a stale attempt cannot write after its retry did', async () => {
    const uri = await warehouseUri();
    const source = path.join(tmp, `fence-source-${Date.now()}`);
    const logs = path.join(source, 'log_data', '2018', '11');
    fs.mkdirSync(logs, { recursive: true });
    fs.copyFileSync(path.join(SAMPLE_DIR, 'log_data/2018/11/2018-11-05-events.json'), path.join(logs, '2018-11-05-events.json'));
    const resources = new Resources({ s3: {}, log: silentLogger });
    try {
      const activities = createActivities({ resources, log: silentLogger });
      const ref = { runId: 'run-1', source, warehouse: uri };
      await activities.createSchema(ref);
      const w = await resources.warehouse(uri);
      const runFiles = async () => (await w.query("SELECT source_key FROM etl_run_files WHERE run_id = 'run-1' ORDER BY source_key")).map((r) => r.source_key);

      // Listing: the retry lists one file; a second appears; the stale attempt's list (two files) must not replace it.
      const list = (attempt: number) => attemptOfActivity('listSourceFiles', attempt).run(() => activities.listSourceFiles({ ...ref, window: null }));
      const staleListing = fenceIn(attemptOfActivity('listSourceFiles', 1), w);
      await staleListing;
      await list(2);
      expect(await runFiles()).toEqual(['log_data/2018/11/2018-11-05-events.json']);
      fs.writeFileSync(path.join(logs, '2018-11-06-events.json'), fs.readFileSync(path.join(logs, '2018-11-05-events.json')));
      await expect(list(1)).rejects.toMatchObject({ type: 'StaleAttempt', message: expect.stringMatching(/stale attempt 1 of listSourceFiles#2 fenced out by attempt 2/) });
      expect(await runFiles()).toEqual(['log_data/2018/11/2018-11-05-events.json']);

      await activities.stageEvents({ ...ref, maxRejectRate: 1 });
      await activities.stageSongs({ ...ref, maxRejectRate: 1 });

      // Text repairs and check results: the stale attempt fails instead of committing its rows.
      const repair = (attempt: number) => attemptOfActivity('repairText', attempt).run(() => activities.repairText(ref));
      await fenceIn(attemptOfActivity('repairText', 1), w);
      await repair(2);
      await expect(repair(1)).rejects.toMatchObject({ type: 'StaleAttempt', message: expect.stringMatching(/stale attempt 1 of repairText#2 fenced out by attempt 2/) });

      const staging = { events: await activities.stageEvents({ ...ref, maxRejectRate: 1 }), songs: await activities.stageSongs({ ...ref, maxRejectRate: 1 }) };
      const matches = { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 };
      const check = (attempt: number) =>
        attemptOfActivity('runQualityChecks', attempt).run(() =>
          activities.runQualityChecks({ ...ref, staging, matches, matchRateWarnBelow: 0, failOnEmpty: false, extraChecks: [] }),
        );
      await fenceIn(attemptOfActivity('runQualityChecks', 1), w);
      // Nothing was published, so error-level checks may fail: the results are stored either way.
      await check(2).catch((err: unknown) => expect(err).toMatchObject({ type: 'QualityCheckFailed' }));
      const stored = await w.query("SELECT COUNT(*) AS n FROM etl_quality_results WHERE run_id = 'run-1'");
      expect(Number(stored[0].n)).toBeGreaterThan(0);
      await expect(check(1)).rejects.toMatchObject({ type: 'StaleAttempt', message: expect.stringMatching(/stale attempt 1 of runQualityChecks#2 fenced out by attempt 2/) });
      expect(await w.query("SELECT COUNT(*) AS n FROM etl_quality_results WHERE run_id = 'run-1'")).toEqual(stored);
    } finally {
      await resources.close();
    }
  });
});
