import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunWindow } from '../src/etl/types';
import { workflowIdFor } from '../src/etl/workflowIds';
import type { Warehouse } from '../src/warehouse/types';
import { startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { startTestTemporal, type TestTemporal } from './harness/temporal';
import type { RedshiftEmulator } from './support/redshift-emulator';
import { dumpStarTables, type StarDump } from './support/tables';
import { freshWarehouse, type WorkflowEngine } from './support/freshWarehouse';

/**
 * One run over 2,000 days of daily logs (an archive's first load in one window), through the whole
 * workflow on every engine. The publishes name the run's days in their statements, up to four
 * times in one; on Redshift the Data API (here its emulator) refuses a statement over 100 KB, which
 * the days listed one by one passed at about 1,760 days. Two lone days among them are listed, the
 * rest are ranges (src/warehouse/sql.ts, redshiftDayIn); a second run of the window changes nothing.
 */

const FIRST_DAY = Date.UTC(2013, 0, 1);
const DAY_MS = 86_400_000;
const DAYS = 2000;
/** Days without a log: 1000 and 1003 are then days of their own, not in a run of consecutive days. */
const WITHOUT_LOG = new Set([999, 1001, 1002, 1004]);
const dateOf = (day: number) => new Date(FIRST_DAY + day * DAY_MS).toISOString().slice(0, 10);
/** A start time as a warehouse gives it (a Date, or ISO text), in epoch ms. */
const msOf = (v: unknown) => (v instanceof Date ? v.getTime() : Date.parse(String(v)));

function event(ts: number, item: number, level: string): Record<string, unknown> {
  return {
    artist: 'Some Artist', auth: 'Logged In', firstName: 'Ann', gender: 'F', itemInSession: item, lastName: 'Lee', length: 180, level,
    location: 'Boston, MA', method: 'PUT', page: 'NextSong', registration: 1300000000000, sessionId: 1, song: 'Some Song', status: 200,
    ts, userAgent: '"Mozilla/5.0"', userId: '7',
  };
}

/** Each day's log: a play at 10:00; the first log also a play timed just after its midnight (a cross-day play). */
function writeLogs(root: string): { plays: number } {
  let plays = 0;
  for (let day = 0; day < DAYS; day++) {
    if (WITHOUT_LOG.has(day)) continue;
    const date = dateOf(day);
    const start = FIRST_DAY + day * DAY_MS;
    const events = [event(start + 10 * 3_600_000, 0, day % 2 === 0 ? 'free' : 'paid')];
    if (day === 0) events.push(event(start + DAY_MS + 1000, 1, 'free'));
    plays += events.length;
    const dir = path.join(root, 'log_data', date.slice(0, 4), date.slice(5, 7));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${date}-events.json`), events.map((e) => JSON.stringify(e)).join('\n'));
  }
  const songs = path.join(root, 'song_data', 'A', 'B', 'C');
  fs.mkdirSync(songs, { recursive: true });
  const song = { num_songs: 1, artist_id: 'ARSOME', artist_latitude: null, artist_longitude: null, artist_location: '', artist_name: 'Some Artist', song_id: 'SOSOME', title: 'Some Song', duration: 180, year: 2000 };
  fs.writeFileSync(path.join(songs, 'TRSOME.json'), JSON.stringify(song));
  return { plays };
}

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let tmp: string;
let source: { dir: string; plays: number };
const emulators: RedshiftEmulator[] = [];
const BUCKET = 'sparkify-long-run';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-long-run-'));
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  const dir = path.join(tmp, 'source');
  source = { dir, ...writeLogs(dir) };
  await uploadDirectory(s3, dir, BUCKET, 'source/');
});

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const WINDOW: RunWindow = { from: dateOf(0), to: dateOf(DAYS - 1) };

/** Runs the window as every starter does, on a worker of its own (closed after: one writer per DuckDB file). */
async function runWindow(engine: WorkflowEngine, warehouse: string): Promise<void> {
  const worker = await temporal.worker({ s3: s3.settings });
  // Redshift COPYs from S3 only.
  const from = engine === 'redshift' ? `s3://${BUCKET}/source` : source.dir;
  try {
    await worker.run({ source: from, warehouse, window: WINDOW }, workflowIdFor(WINDOW));
  } finally {
    await worker.resources.close();
  }
}

async function star(open: () => Promise<Warehouse>): Promise<StarDump> {
  const warehouse = await open();
  try {
    return await dumpStarTables(warehouse);
  } finally {
    await warehouse.close();
  }
}

const published: Partial<Record<WorkflowEngine, StarDump>> = {};

describe.each(['duckdb', 'postgres', 'redshift'] as const)('on %s', (engine) => {
  test('a run over 2,000 days of logs publishes every play, and a second run of the window changes nothing', async () => {
    const warehouse = await freshWarehouse(engine, { pg, s3, dir: tmp, emulators }, 'long_run');
    await runWindow(engine, warehouse.uri);
    const first = await star(warehouse.open);
    expect(first.songplays).toHaveLength(source.plays);
    expect(first.time).toHaveLength(source.plays);
    // The lone days' plays are there, as is the first log's play of the next day.
    const startTimes = new Set(first.songplays.map((p) => msOf(p.start_time)));
    for (const day of [1000, 1003]) expect(startTimes.has(FIRST_DAY + day * DAY_MS + 10 * 3_600_000)).toBe(true);
    expect(startTimes.has(FIRST_DAY + DAY_MS + 1000)).toBe(true);
    expect(first.users).toHaveLength(1);
    expect(first.songplays.every((p) => p.song_id === 'SOSOME')).toBe(true);

    await runWindow(engine, warehouse.uri);
    expect(await star(warehouse.open)).toEqual(first);
    published[engine] = first;
  });

  if (engine === 'redshift') {
    test('Redshift publishes the same rows as PostgreSQL', () => {
      expect(published.redshift).toBeDefined();
      expect(published.redshift).toEqual(published.postgres);
    });
  }
});
