import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunWindow } from '../src/etl/types';
import { workflowIdFor } from '../src/etl/workflowIds';
import type { Row, Warehouse } from '../src/warehouse/types';
import { startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { startTestTemporal, type TestTemporal } from './harness/temporal';
import type { RedshiftEmulator } from './support/redshift-emulator';
import { dumpStarTables, type StarDump } from './support/tables';
import { freshWarehouse, type WorkflowEngine } from './support/freshWarehouse';

/**
 * A song file that arrives after the plays naming it were published (song metadata is delivered
 * apart from the logs): the next run matches those plays, by the publish's rules, so the warehouse
 * ends as a clean run with the file from the start leaves it, on DuckDB, PostgreSQL and Redshift (the
 * Data API emulator), through the whole workflow, one date at a time.
 */

const DAY1 = '2018-11-01';
const DAY2 = '2018-11-02';
const at = (date: string, hour: number) => Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);

function event(ts: number, item: number, song: string, artist: string, length: number): Record<string, unknown> {
  return {
    artist, auth: 'Logged In', firstName: 'Ann', gender: 'F', itemInSession: item, lastName: 'Lee', length, level: 'free',
    location: 'Boston, MA', method: 'PUT', page: 'NextSong', registration: 1540000000000, sessionId: 1, song, status: 200,
    ts, userAgent: '"Mozilla/5.0"', userId: '7',
  };
}

function song(song_id: string, artist_id: string, title: string, artist_name: string, duration: number): Record<string, unknown> {
  return { num_songs: 1, artist_id, artist_latitude: null, artist_longitude: null, artist_location: '', artist_name, song_id, title, duration, year: 2000 };
}

const LOGS: Record<string, Record<string, unknown>[]> = {
  [DAY1]: [
    event(at(DAY1, 10), 0, 'Known Song', 'Known Artist', 180), // matched from the start
    event(at(DAY1, 11), 1, 'Late Song', 'Late Artist', 200), // two late songs fit: the closer one wins
    event(at(DAY1, 12), 2, 'LATE  SONG', 'late artist', 201.5), // the same keys once repaired and folded
    event(at(DAY1, 13), 3, 'Late Song', 'Late Artist', 250), // no song within 2 s
    event(at(DAY1, 14), 4, 'Never Song', 'Nobody', 100), // no such song, ever
  ],
  [DAY2]: [event(at(DAY2, 10), 0, 'Known Song', 'Known Artist', 180)],
};
const KNOWN_SONGS = [song('SOKNOWN', 'ARKNOWN', 'Known Song', 'Known Artist', 180)];
const LATE_SONGS = [song('SOLATEB', 'ARLATE', 'Late Song', 'Late Artist', 201), song('SOLATEA', 'ARLATE', 'Late Song', 'Late Artist', 199.5)];

function writeLogs(root: string): void {
  for (const [date, events] of Object.entries(LOGS)) {
    const dir = path.join(root, 'log_data', '2018', '11');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${date}-events.json`), events.map((e) => JSON.stringify(e)).join('\n'));
  }
}

function writeSongs(root: string, songs: Record<string, unknown>[]): void {
  const dir = path.join(root, 'song_data', 'A', 'B', 'C');
  fs.mkdirSync(dir, { recursive: true });
  for (const s of songs) fs.writeFileSync(path.join(dir, `${String(s.song_id)}.json`), JSON.stringify(s));
}

type Engine = WorkflowEngine;

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let tmp: string;
const emulators: RedshiftEmulator[] = [];
const BUCKET = 'sparkify-late-songs';
let sources = 0;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-late-songs-'));
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
});

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A source directory with the logs and `songs`, and how a run reads it (Redshift COPYs from S3 only). */
async function newSource(engine: Engine, songs: Record<string, unknown>[]): Promise<{ uri: string; add(more: Record<string, unknown>[]): Promise<void> }> {
  const root = path.join(tmp, `source-${++sources}`);
  writeLogs(root);
  writeSongs(root, songs);
  if (engine !== 'redshift') return { uri: root, add: async (more) => writeSongs(root, more) };
  const prefix = `source-${sources}/`;
  await uploadDirectory(s3, root, BUCKET, prefix);
  return {
    uri: `s3://${BUCKET}/${prefix.slice(0, -1)}`,
    add: async (more) => {
      writeSongs(root, more);
      await uploadDirectory(s3, root, BUCKET, prefix);
    },
  };
}

async function newWarehouse(engine: Engine): Promise<{ uri: string; open: () => Promise<Warehouse> }> {
  return freshWarehouse(engine, { pg, s3, dir: tmp, emulators }, 'late_songs');
}

/** Runs one date as every starter does, on a worker of its own (closed after: one writer per DuckDB file). */
async function runDate(source: string, warehouse: string, date: string): Promise<void> {
  const worker = await temporal.worker({ s3: s3.settings });
  const window: RunWindow = { from: date, to: date };
  await worker.run({ source, warehouse, window }, workflowIdFor(window));
  await worker.resources.close();
}

interface Outcome {
  star: StarDump;
  /** What the insights report counts as matched, per play. */
  names: Row[];
  /** The plays listed as without a song. */
  unmatched: Row[];
  /** The song of each play, in time order. */
  songs: unknown[];
}

async function outcome(open: () => Promise<Warehouse>): Promise<Outcome> {
  const warehouse = await open();
  try {
    return {
      star: await dumpStarTables(warehouse),
      names: await warehouse.query('SELECT songplay_id, matched FROM etl_songplay_names ORDER BY songplay_id'),
      unmatched: await warehouse.query('SELECT songplay_id FROM etl_unmatched_plays ORDER BY songplay_id'),
      songs: (await warehouse.query('SELECT song_id FROM songplays ORDER BY start_time')).map((r) => r.song_id),
    };
  } finally {
    await warehouse.close();
  }
}

/** The run after the song file lands: of another date, or of a date without a log (it publishes no play). */
const NEXT_RUNS = [
  { next: DAY2, after: ['SOKNOWN'] },
  { next: '2018-11-05', after: [] },
];

describe.each(['duckdb', 'postgres', 'redshift'] as const)('on %s', (engine) => {
  test.each(NEXT_RUNS)('plays published before their song file arrived match it once the run of $next publishes it, as a clean run matches them', async ({ next, after }) => {
    // The reference: every song file there from the start, the dates run one at a time.
    const clean = await newWarehouse(engine);
    const cleanSource = await newSource(engine, [...KNOWN_SONGS, ...LATE_SONGS]);
    await runDate(cleanSource.uri, clean.uri, DAY1);
    await runDate(cleanSource.uri, clean.uri, next);
    const want = await outcome(clean.open);

    // The late songs' file lands after DAY1 was published.
    const late = await newWarehouse(engine);
    const lateSource = await newSource(engine, KNOWN_SONGS);
    await runDate(lateSource.uri, late.uri, DAY1);
    const before = await outcome(late.open);
    expect(before.songs).toEqual(['SOKNOWN', null, null, null, null]);
    await lateSource.add(LATE_SONGS);
    await runDate(lateSource.uri, late.uri, next);
    const got = await outcome(late.open);

    // Nothing trivial: the late plays match, the closer song where two fit; the others stay listed.
    expect(got.songs).toEqual(['SOKNOWN', 'SOLATEA', 'SOLATEB', null, null, ...after]);
    expect(got.star).toEqual(want.star);
    expect(got.names).toEqual(want.names);
    expect(got.names.filter((n) => Number(n.matched) === 1)).toHaveLength(3 + after.length);
    expect(got.unmatched).toEqual(want.unmatched);
    expect(before.unmatched).toHaveLength(4);
    expect(got.unmatched).toHaveLength(2);
  });
});
