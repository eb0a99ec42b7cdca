import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../src/etl/types';
import { progressQuery } from '../src/workflows/etl';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { expectedTables, isoWeek, type Expected } from './support/expectations';
import { dumpStarTables, type StarDump } from './support/tables';

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let tmp: string;
let expected: Expected;
const BUCKET = 'sparkify-raw';
const S3_SOURCE = `s3://${BUCKET}/udacity`;

beforeAll(async () => {
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  await uploadDirectory(s3, SAMPLE_DIR, BUCKET, 'udacity/');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-etl-'));
  expected = expectedTables(SAMPLE_DIR);
});

afterAll(async () => {
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function newWarehouse(kind: 'duckdb' | 'postgres'): Promise<{ uri: string; open: () => Promise<Warehouse> }> {
  if (kind === 'duckdb') {
    const file = path.join(tmp, `wh-${Math.random().toString(36).slice(2)}.duckdb`);
    return { uri: `duckdb:${file}`, open: () => DuckDbWarehouse.open(file) };
  }
  const url = await createTestDatabase(pg.url, 'etl');
  return { uri: url, open: async () => new PostgresWarehouse(url) };
}

async function runOnce(source: string, warehouseUri: string, extra: object = {}): Promise<RunSummary> {
  const w = await temporal.worker({ s3: s3.settings });
  return w.run({ source, warehouse: warehouseUri, ...extra });
}

function expectMatchesRawFiles(dump: StarDump, summary: RunSummary): void {
  // songplays: one per NextSong event, ids, times, users, levels, sessions, text and song matches.
  expect(dump.songplays).toHaveLength(expected.songplays.size);
  for (const row of dump.songplays) {
    const want = expected.songplays.get(String(row.songplay_id));
    expect(want).toBeDefined();
    expect(row).toEqual({ songplay_id: row.songplay_id, ...want });
  }
  // users: one row each, latest level.
  expect(dump.users).toHaveLength(expected.users.size);
  for (const row of dump.users) {
    expect({ level: row.level, gender: row.gender, first_name: row.first_name, last_name: row.last_name }).toEqual(
      expected.users.get(Number(row.user_id)),
    );
  }
  expect(dump.songs).toHaveLength(expected.songs.size);
  for (const row of dump.songs) {
    expect({ title: row.title, artist_id: row.artist_id, year: row.year, duration: row.duration }).toEqual(expected.songs.get(String(row.song_id)));
  }
  expect(new Set(dump.artists.map((r) => r.artist_id))).toEqual(expected.artistIds);
  expect(dump.artists).toHaveLength(expected.artistIds.size);
  // time: one row per distinct start time, parts computed with Date in UTC.
  expect(new Set(dump.time.map((r) => r.start_time))).toEqual(expected.times);
  expect(dump.time).toHaveLength(expected.times.size);
  for (const row of dump.time) {
    const d = new Date(String(row.start_time));
    expect([row.hour, row.day, row.week, row.month, row.year, row.weekday]).toEqual([
      d.getUTCHours(),
      d.getUTCDate(),
      isoWeek(d),
      d.getUTCMonth() + 1,
      d.getUTCFullYear(),
      d.getUTCDay(),
    ]);
  }
  expect(summary.matches.strictMatches).toBe(expected.strictMatches);
  expect(summary.matches.repairedMatches).toBe(expected.repairedMatches);
  expect(summary.tables.songplays).toBe(expected.songplays.size);
  expect(summary.staging.events.recordsStaged).toBe(8056);
  expect(summary.staging.songs.recordsStaged).toBe(71);
  expect(summary.rejected.count).toBe(0);
  expect(summary.checks.filter((c) => c.severity === 'error' && c.status === 'fail')).toEqual([]);
}

const dumps: Partial<Record<'duckdb' | 'postgres', StarDump>> = {};
/** The warehouses loaded once from the local directory, and their star tables after that one run. */
const loadedOnce: Partial<Record<'duckdb' | 'postgres', { warehouse: Awaited<ReturnType<typeof newWarehouse>>; dump: StarDump }>> = {};

describe('the ETL workflow on the real sample', () => {
  test.each([
    ['the local directory', 'duckdb'],
    ['the loopback S3 server', 'duckdb'],
    ['the local directory', 'postgres'],
    ['the loopback S3 server', 'postgres'],
  ] as const)('from %s into %s: star tables equal what the raw files say', async (from, kind) => {
    const source = from === 'the local directory' ? SAMPLE_DIR : S3_SOURCE;
    const warehouse = await newWarehouse(kind);
    const summary = await runOnce(source, warehouse.uri);
    const wh = await warehouse.open();
    try {
      const dump = await dumpStarTables(wh);
      expectMatchesRawFiles(dump, summary);
      dumps[kind] ??= dump;
      if (source === SAMPLE_DIR) loadedOnce[kind] = { warehouse, dump };
    } finally {
      await wh.close();
    }
  });

  test('DuckDB and PostgreSQL produce identical star tables', () => {
    expect(dumps.duckdb).toBeDefined();
    expect(dumps.postgres).toBeDefined();
    expect(dumps.duckdb).toEqual(dumps.postgres);
  });

  test.each(['duckdb', 'postgres'] as const)('running the same input twice leaves every %s table identical', async (kind) => {
    // The first run is the one above from the local directory (its tables equal the raw files').
    const once = loadedOnce[kind];
    if (once === undefined) throw new Error(`the run from the local directory into ${kind} (above) did not complete`);
    const second = await runOnce(SAMPLE_DIR, once.warehouse.uri);
    const wh = await once.warehouse.open();
    try {
      expect(await dumpStarTables(wh)).toEqual(once.dump);
      expect(second.tables.songplays).toBe(expected.songplays.size);
    } finally {
      await wh.close();
    }
  });

  test('a failing error-level check fails the run at once, naming the check, the count and sample keys', async () => {
    const warehouse = await newWarehouse('duckdb');
    const w = await temporal.worker({ s3: s3.settings });
    const workflowId = `etl-failed-check-${Math.random().toString(36).slice(2)}`;
    const error = await w
      .run({
        source: SAMPLE_DIR,
        warehouse: warehouse.uri,
        extraChecks: [
          {
            name: 'users.level is paid (deliberately broken)',
            severity: 'error',
            description: 'every user is paid',
            rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['paid'] },
          },
        ],
      }, workflowId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause as { activityType?: string; cause?: { message: string; type?: string; nonRetryable?: boolean } };
    expect(activityFailure.activityType).toBe('runQualityChecks');
    expect(activityFailure.cause?.type).toBe('QualityCheckFailed');
    expect(activityFailure.cause?.nonRetryable).toBe(true);
    const freeUsers = [...expected.users.values()].filter((u) => u.level === 'free').length;
    expect(activityFailure.cause?.message).toMatch(
      new RegExp(`quality check "users\\.level is paid \\(deliberately broken\\)" failed: ${freeUsers} failing row\\(s\\), e\\.g\\. \\d+`),
    );
    // Not retried: the failed activity's one start event records attempt 1 (a retried one records its last attempt).
    const events = (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const scheduledChecks = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runQualityChecks');
    expect(scheduledChecks).toBeDefined();
    const startedChecks = events.filter((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduledChecks!.eventId));
    expect(startedChecks.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
    // The results are stored with the run id all the same.
    const wh = await warehouse.open();
    try {
      const rows = await wh.query("SELECT status FROM etl_quality_results WHERE check_name = 'users.level is paid (deliberately broken)'");
      expect(rows).toEqual([{ status: 'fail' }]);
    } finally {
      await wh.close();
    }
  });

  test('the run is the DAG in history, each step an activity by its name, and answers a progress query', async () => {
    const warehouse = await newWarehouse('duckdb');
    const w = await temporal.worker({ s3: s3.settings });
    const { summary, history, progress } = await w.during(async () => {
      const handle = await w.start({ source: SAMPLE_DIR, warehouse: warehouse.uri });
      const summary = await handle.result();
      return { summary, history: await handle.fetchHistory(), progress: await handle.query(progressQuery) };
    });
    const scheduled = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter((name): name is string => Boolean(name));
    // Steps of branches that run at once are scheduled in whichever order the steps before them
    // ended: compared as sets. Each part's staging after its own listing: the listings, then the
    // two stagings (stageSongs may be scheduled before stageEvents). The time publish starts with
    // the songplays publish, once loadSongs is done; the level changes once users and time are in.
    const withSongplays = ['loadSongplays', 'loadTime'];
    const set = (from: number, to: number) => [...scheduled.slice(from, to)].sort();
    expect([...scheduled.slice(0, 1), set(1, 3), set(3, 5), ...scheduled.slice(5, 10), set(10, 12), ...scheduled.slice(12)]).toEqual([
      'createSchema',
      ['listEventFiles', 'listSongFiles'],
      ['stageEvents', 'stageSongs'],
      'checkStagedData', // blocking checks on the staged data, before anything is published
      'repairText',
      'loadSongs',
      'loadArtists',
      'loadUsers',
      withSongplays,
      'queryLevelChanges',
      'runQualityChecks',
      'summarizeRun',
      'writeReport',
    ]);
    expect(Object.values(progress.steps).every((s) => s.status === 'completed')).toBe(true);
    expect(progress.currentSteps).toEqual([]);
    expect(summary.steps.stageEvents.durationMs).toBeGreaterThanOrEqual(0);
  });
});
