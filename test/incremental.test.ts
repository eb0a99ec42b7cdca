import { WorkflowFailedError } from '@temporalio/client';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../src/etl/searchAttributes';
import type { EtlInput, RunWindow } from '../src/etl/types';
import { workflowIdFor } from '../src/etl/workflowIds';
import { formatSummary } from '../src/cli/format';
import { silentLogger } from '../src/log';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Row, Warehouse } from '../src/warehouse/types';
import { backfillProgressQuery, type BackfillInput, type BackfillResult, type backfill } from '../src/workflows/backfill';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal, type TestWorker } from './harness/temporal';
import { dumpStarTables, type StarDump } from './support/tables';
import { pollUntil } from './support/poll';
import { withOpenedWarehouse } from './harness/openedWarehouse';

let temporal: TestTemporal;
let pg: PgServer;
let tmp: string;
let allFiles: StarDump;

beforeAll(async () => {
  [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  expect(await ensureSearchAttributes(temporal.client)).toBe(true);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-incremental-'));
  // The reference: one run over every file of the sample.
  const wh = await newWarehouse('postgres');
  await (await temporal.worker()).run({ source: SAMPLE_DIR, warehouse: wh.uri });
  allFiles = await withWarehouse(wh, dumpStarTables);
});

afterAll(async () => {
  await temporal?.stop();
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface TestWarehouse {
  uri: string;
  open: () => Promise<Warehouse>;
}

async function newWarehouse(kind: 'duckdb' | 'postgres'): Promise<TestWarehouse> {
  if (kind === 'duckdb') {
    const file = path.join(tmp, `wh-${randomUUID()}.duckdb`);
    return { uri: `duckdb:${file}`, open: () => DuckDbWarehouse.open(file) };
  }
  const url = await createTestDatabase(pg.url, 'incremental');
  return { uri: url, open: async () => new PostgresWarehouse(url) };
}

const withWarehouse = <T>(wh: TestWarehouse, fn: (w: Warehouse) => Promise<T>): Promise<T> => withOpenedWarehouse(() => wh.open(), fn);

/** Runs one date the way every starter does: under the date's workflow id. */
function runDate(w: TestWorker, date: string, input: Omit<EtlInput, 'window'>) {
  const window: RunWindow = { from: date, to: date };
  return w.run({ ...input, window }, workflowIdFor(window));
}

async function runBackfill(w: TestWorker, input: BackfillInput): Promise<{ result: BackfillResult; runs: number }> {
  return w.during(async () => {
    const handle = await temporal.client.workflow.start<typeof backfill>('backfill', {
      taskQueue: w.taskQueue,
      workflowId: `backfill-${randomUUID()}`,
      args: [input],
    });
    const result = await handle.result();
    // The last run of the chain answers the progress query with the final counts.
    const progress = await handle.query(backfillProgressQuery);
    expect(progress).toMatchObject({ completed: result.completed, skipped: result.skipped, running: [], pending: 0 });
    return { result, runs: progress.runs };
  });
}

function ledgerRows(w: Warehouse) {
  return w.query('SELECT kind, source_key, etag, size, records, rejects FROM etl_load_ledger ORDER BY source_key');
}

describe('per-date runs, the load ledger and backfills on the real sample', () => {
  test('the Sparkify search attributes are registered on the server', async () => {
    const attrs = await temporal.client.connection.operatorService.listSearchAttributes({ namespace: temporal.client.options.namespace });
    expect(Object.keys(attrs.customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SPARKIFY_SEARCH_ATTRIBUTES)));
  });

  test('backfilling the 30 days newest first, 4 dates at a once, one child per date, on PostgreSQL equals one run over all files', async () => {
    const wh = await newWarehouse('postgres');
    const w = await temporal.worker();
    const { result, runs } = await runBackfill(w, {
      from: '2018-11-01',
      to: '2018-11-30',
      etl: { source: SAMPLE_DIR, warehouse: wh.uri },
      concurrency: 4,
      newestFirst: true,
      datesPerRun: 12,
    });
    expect(result).toMatchObject({ total: 30, completed: 30, skipped: 0, failed: [] });
    // 30 dates at 12 per run: the chain continued as new twice.
    expect(runs).toBe(3);
    await withWarehouse(wh, async (w) => {
      expect(await dumpStarTables(w)).toEqual(allFiles);
      const ledger = await ledgerRows(w);
      expect(ledger.filter((r) => r.kind === 'events')).toHaveLength(30);
      expect(ledger.filter((r) => r.kind === 'songs')).toHaveLength(71);
      expect(ledger.filter((r) => r.kind === 'events').reduce((sum, r) => sum + Number(r.records), 0)).toBe(8056);
      expect(ledger.every((r) => Number(r.rejects) === 0 && r.etag !== null && Number(r.size) > 0)).toBe(true);
    });

    // Each child ran under its date's id and carries the date as a search attribute.
    const child = await temporal.client.workflow.getHandle('sparkify-etl-2018-11-05').describe();
    expect(child.type).toBe('etlRun');
    expect(child.status.name).toBe('COMPLETED');
    expect(child.typedSearchAttributes.get({ name: 'SparkifyLogicalDate', type: 'DATETIME' })).toEqual(new Date('2018-11-05T00:00:00Z'));
    expect(child.typedSearchAttributes.get({ name: 'SparkifyWarehouse', type: 'KEYWORD' })).toBe(wh.uri);

    // Re-running any date leaves every table (and the ledger) identical; song files are not staged again.
    await withWarehouse(wh, async (w) => {
      const ledgerBefore = await ledgerRows(w);
      for (const date of ['2018-11-01', '2018-11-15', '2018-11-30']) {
        const summary = await runDate(await temporal.worker(), date, { source: SAMPLE_DIR, warehouse: wh.uri });
        expect(summary.files).toMatchObject({ events: 1, songs: 0 });
        expect(summary.staging.songs.recordsStaged).toBe(0);
        expect(await dumpStarTables(w)).toEqual(allFiles);
      }
      expect(await ledgerRows(w)).toEqual(ledgerBefore);
    });
  });

  test('on PostgreSQL a publish locks the tables it writes before reading them, so concurrent upserts of one user queue', async () => {
    const wh = await newWarehouse('postgres');
    const summary = await runDate(await temporal.worker(), '2018-11-05', { source: SAMPLE_DIR, warehouse: wh.uri });
    const resources = new Resources({ s3: {}, log: silentLogger });
    const activities = createActivities({ resources, log: silentLogger });
    const other = new Client({ connectionString: wh.uri });
    await other.connect();
    try {
      // Another publisher holds users (as a concurrent run's loadUsers would) ...
      await other.query('BEGIN');
      await other.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      let settled = false;
      const publish = activities.loadUsers({ runId: summary.runId, source: SAMPLE_DIR, warehouse: wh.uri }).finally(() => (settled = true));
      // ... so this publish waits on its first statement, the lock, before it has read any user.
      let failure: unknown;
      publish.catch((err: unknown) => (failure = err));
      await pollUntil(
        "the publish's LOCK TABLE users to wait on the other session's lock (pg_stat_activity)",
        async () => {
          if (failure) throw failure;
          // Inside a transaction pg_stat_activity is a snapshot: take a fresh one each time.
          await other.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await other.query(
            // The statement comes from sql/postgres/lock_table.sql: its header comment, then the lock.
            `SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%LOCK TABLE "users" IN SHARE ROW EXCLUSIVE MODE%'`,
          );
          return rows.length > 0 ? true : undefined;
        },
        { intervalMs: 100 },
      );
      expect(settled).toBe(false);
      await other.query('COMMIT');
      await publish;
    } finally {
      await other.end();
      await resources.close();
    }
  });

  test('the same backfill oldest first on DuckDB, 4 at once in one worker, equals one run over all files', async () => {
    const wh = await newWarehouse('duckdb');
    const w = await temporal.worker();
    const { result } = await runBackfill(w, {
      from: '2018-11-01',
      to: '2018-11-30',
      etl: { source: SAMPLE_DIR, warehouse: wh.uri },
      concurrency: 4,
    });
    expect(result).toMatchObject({ completed: 30, failed: [] });
    await w.resources.close();
    expect(await withWarehouse(wh, dumpStarTables)).toEqual(allFiles);
  });

  test('--only-missing skips the dates the ledger shows loaded', async () => {
    const wh = await newWarehouse('duckdb');
    const w = await temporal.worker();
    const etl = { source: SAMPLE_DIR, warehouse: wh.uri };
    expect((await runBackfill(w, { from: '2018-11-02', to: '2018-11-03', etl })).result).toMatchObject({ completed: 2, skipped: 0 });
    const w2 = await temporal.worker();
    const { result } = await runBackfill(w2, { from: '2018-11-01', to: '2018-11-05', etl, onlyMissing: true });
    expect(result).toMatchObject({ total: 5, completed: 3, skipped: 2, failed: [] });
    await Promise.all([w.resources.close(), w2.resources.close()]);
    const loaded = await withWarehouse(wh, (x) => x.query("SELECT source_key, run_id FROM etl_load_ledger WHERE kind = 'events' ORDER BY source_key"));
    expect(loaded.map((r) => String(r.source_key).slice(-22, -12))).toEqual(['2018-11-01', '2018-11-02', '2018-11-03', '2018-11-04', '2018-11-05']);
  });

  test("changing one day's file and re-running that date updates exactly that date's rows", async () => {
    const data = path.join(tmp, 'changed-sample');
    fs.cpSync(SAMPLE_DIR, data, { recursive: true });
    const wh = await newWarehouse('postgres');
    await (await temporal.worker()).run({ source: data, warehouse: wh.uri });
    const before = await withWarehouse(wh, dumpStarTables);
    expect(before).toEqual(allFiles);

    // The day's file loses four plays and one play moves to another location. The dropped plays are
    // of users with later events, so each user's latest event (what users holds) is unchanged.
    const file = path.join(data, 'log_data/2018/11/2018-11-05-events.json');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const lastTs = new Map<string, number>();
    for (const f of fs.readdirSync(path.join(data, 'log_data/2018/11'))) {
      for (const l of fs.readFileSync(path.join(data, 'log_data/2018/11', f), 'utf8').split('\n')) {
        if (l.trim() === '') continue;
        const e = JSON.parse(l) as { userId: string; ts: number };
        lastTs.set(e.userId, Math.max(lastTs.get(e.userId) ?? 0, e.ts));
      }
    }
    const events = lines.map((l) => JSON.parse(l) as { page: string; userId: string; ts: number; location: string });
    const droppable = events
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => e.page === 'NextSong' && e.userId !== '' && lastTs.get(e.userId)! > e.ts + 86_400_000);
    const dropped = new Set(droppable.slice(0, 4).map((d) => d.i));
    const moved = droppable[10].i;
    expect(dropped.size).toBe(4);
    const changed = events.flatMap((e, i) => (dropped.has(i) ? [] : [i === moved ? { ...e, location: 'Reykjavik, IS' } : e]));
    fs.writeFileSync(file, changed.map((e) => JSON.stringify(e)).join('\n') + '\n');

    const summary = await runDate(await temporal.worker(), '2018-11-05', { source: data, warehouse: wh.uri });
    expect(summary.staging.events.recordsStaged).toBe(lines.length - 4);
    const after = await withWarehouse(wh, dumpStarTables);

    // Exactly what one fresh run over the changed files gives ...
    const fresh = await newWarehouse('postgres');
    await (await temporal.worker()).run({ source: data, warehouse: fresh.uri });
    expect(after).toEqual(await withWarehouse(fresh, dumpStarTables));
    // ... and only that date's rows differ from before.
    const onDate = (r: Row) => String(r.start_time).startsWith('2018-11-05');
    expect(after.songplays.filter((r) => !onDate(r))).toEqual(before.songplays.filter((r) => !onDate(r)));
    expect(after.time.filter((r) => !onDate(r))).toEqual(before.time.filter((r) => !onDate(r)));
    expect(after.songplays.filter(onDate).length).toBe(before.songplays.filter(onDate).length - 4);
    expect(after.songplays.filter((r) => r.location === 'Reykjavik, IS')).toHaveLength(1);
    for (const table of ['users', 'songs', 'artists'] as const) expect(after[table]).toEqual(before[table]);

    // The ledger holds the file's new ETag and size.
    await withWarehouse(wh, async (w) => {
      const [row] = await w.query("SELECT etag, size, records FROM etl_load_ledger WHERE source_key = 'log_data/2018/11/2018-11-05-events.json'");
      const stat = fs.statSync(file);
      expect(row).toEqual({ etag: `${stat.size}-${Math.trunc(stat.mtimeMs)}`, size: stat.size, records: lines.length - 4 });
    });

    // A song file with a new ETag is staged again on the next run; the unchanged ones are not.
    const songFile = path.join(data, 'song_data/A/A/A/TRAAAAW128F429D538.json');
    fs.appendFileSync(songFile, '\n');
    const next = await runDate(await temporal.worker(), '2018-11-06', { source: data, warehouse: wh.uri });
    expect(next.files.songs).toBe(1);
    expect(next.staging.songs.recordsStaged).toBe(1);
    await withWarehouse(wh, async (w) => {
      const [row] = await w.query("SELECT size FROM etl_load_ledger WHERE source_key = 'song_data/A/A/A/TRAAAAW128F429D538.json'");
      expect(row.size).toBe(fs.statSync(songFile).size);
    });
  });

  test('an empty or missing day succeeds with zero rows and a warning, or fails when asked to', async () => {
    const wh = await newWarehouse('duckdb');
    const w = await temporal.worker();
    const summary = await runDate(w, '2018-12-01', { source: SAMPLE_DIR, warehouse: wh.uri });
    expect(summary.tables.songplays).toBe(0);
    expect(summary.checks.find((c) => c.name === 'run has events')).toMatchObject({ severity: 'warn', status: 'fail' });

    const error = await runDate(await temporal.worker(), '2018-12-02', { source: SAMPLE_DIR, warehouse: wh.uri, failOnEmpty: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause as { cause?: Error } | undefined;
    expect(activityFailure?.cause?.message).toMatch(/quality check "run has events" failed/);
  });

  test('a date whose log is missing or 0 bytes keeps its published rows, in a run of the date or of a range; a log without events empties it', async () => {
    const data = path.join(tmp, 'missing-log-sample');
    fs.cpSync(SAMPLE_DIR, data, { recursive: true });
    const wh = await newWarehouse('duckdb');
    await (await temporal.worker()).run({ source: data, warehouse: wh.uri });
    const before = await withWarehouse(wh, dumpStarTables);
    const log = path.join(data, 'log_data/2018/11/2018-11-05-events.json');
    const playsOfLog = new Set(
      fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { page: string; userId: string; sessionId: number; itemInSession: number; ts: number })
        .filter((e) => e.page === 'NextSong' && e.userId !== '')
        .map((e) => `${e.userId}|${e.sessionId}|${e.itemInSession}|${e.ts}`),
    ).size;
    expect(playsOfLog).toBeGreaterThan(100);

    // A log gone from the source (or a wrong source, which lists no log at all) is not an empty day.
    fs.renameSync(log, path.join(tmp, 'missing-log-2018-11-05.json'));
    const missing = await runDate(await temporal.worker(), '2018-11-05', { source: data, warehouse: wh.uri });
    expect(missing.checks.find((c) => c.name === 'run has events')).toMatchObject({
      status: 'fail',
      sampleKeys: [expect.stringMatching(/^no event log to load for this run's dates \(log_data\/YYYY\/MM\/YYYY-MM-DD-events\.json; a skipped file is listed with its reason\): their published plays are kept$/)],
    });
    expect(missing.datesWithoutLog).toEqual({ count: 1, samples: ['2018-11-05'] });
    const range: RunWindow = { from: '2018-11-04', to: '2018-11-06' };
    const rangeRun = await (await temporal.worker()).run({ source: data, warehouse: wh.uri, window: range }, workflowIdFor(range));
    expect(rangeRun.datesWithoutLog).toEqual({ count: 1, samples: ['2018-11-05'] });
    expect(formatSummary(rangeRun)).toContain('\nNo event log for 1 date of the window (their published plays are kept): 2018-11-05\n');
    expect(await withWarehouse(wh, dumpStarTables)).toEqual(before);

    // So is a 0-byte log (skipped as empty: an upload that failed writes one).
    fs.writeFileSync(log, '');
    const zeroBytes = await runDate(await temporal.worker(), '2018-11-05', { source: data, warehouse: wh.uri });
    expect(zeroBytes.datesWithoutLog).toEqual({ count: 1, samples: ['2018-11-05'] });
    expect(await withWarehouse(wh, dumpStarTables)).toEqual(before);

    // A log without events is the source saying the day has none: the date's plays go, the others stay.
    fs.writeFileSync(log, '\n');
    const emptied = await runDate(await temporal.worker(), '2018-11-05', { source: data, warehouse: wh.uri });
    expect(emptied.checks.find((c) => c.name === 'run has events')?.sampleKeys).toEqual(['no events in 1 file(s)']);
    expect(emptied.datesWithoutLog).toBeUndefined();
    const after = await withWarehouse(wh, dumpStarTables);
    expect(after.songplays.length).toBe(before.songplays.length - playsOfLog);
    const kept = new Set(after.songplays.map((p) => p.songplay_id));
    expect(after.songplays).toEqual(before.songplays.filter((p) => kept.has(p.songplay_id)));
  });
});
