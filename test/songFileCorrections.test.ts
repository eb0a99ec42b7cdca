import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Warehouse } from '../src/warehouse/types';
import { startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { startTestTemporal, type TestTemporal } from './harness/temporal';
import type { RedshiftEmulator } from './support/redshift-emulator';
import { freshWarehouse, type WorkflowEngine } from './support/freshWarehouse';

/**
 * A song file staged again replaces what it gave in songs, artists and the match keys, on every
 * engine (the ETL workflow on a test Temporal server, over a local source; Redshift is the emulator,
 * which stages a local source row by row, each row naming its file).
 * songs and artists kept only the winning variant and a corrected file's new content competed
 * with it, so a correction that sorts later (`Thunde` → `Thunder`, a longer duration or location)
 * left the old row, and plays kept matching it (docs/operations.md).
 */
type SongRecord = Record<string, unknown>;

function song(fields: Partial<SongRecord> & { song_id: string; artist_id: string }): SongRecord {
  return { num_songs: 1, artist_latitude: null, artist_longitude: null, artist_location: '', artist_name: 'Someone', title: 'Tune', duration: 200, year: 2000, ...fields };
}

const DAY = '2018-11-01';
const NOON = Date.UTC(2018, 10, 1, 12);

function play(item: number, artist: string, title: string, length: number): Record<string, unknown> {
  return {
    artist, auth: 'Logged In', firstName: 'Ann', gender: 'F', itemInSession: item, lastName: 'Lee', length, level: 'free', location: 'Boston, MA',
    method: 'PUT', page: 'NextSong', registration: 1540000000000, sessionId: 1, song: title, status: 200, ts: NOON + item, userAgent: '"Mozilla/5.0"', userId: '1',
  };
}

/** The song files as first published, by file name. */
const FIRST: Record<string, SongRecord> = {
  // The doc's examples: a title and a duration corrected to values that sort later, an artist's
  // location to a longer one.
  thunder: song({ song_id: 'SOTHUNDER', artist_id: 'ARACDC', artist_name: 'AC/DC', title: 'Thunde', duration: 292.5, artist_location: 'Sydney' }),
  // Another song of the artist, never corrected: its variant competes with the corrected one.
  highway: song({ song_id: 'SOHIGHWAY', artist_id: 'ARACDC', artist_name: 'AC/DC', title: 'Highway to Hell', duration: 208, artist_location: 'Sydney' }),
  // One song_id in two files: the corrected one's old version won, the other file's now does.
  'twice-a': song({ song_id: 'SOTWICE', artist_id: 'ARTWO', title: 'Bee', duration: 100 }),
  'twice-b': song({ song_id: 'SOTWICE', artist_id: 'ARTWO', title: 'Zed', duration: 100 }),
  // A file corrected to another song_id: the old one goes.
  renamed: song({ song_id: 'SOWRONGID', artist_id: 'ARWRONG', title: 'Misfiled', duration: 150 }),
};

const CORRECTED: Record<string, SongRecord> = {
  ...FIRST,
  thunder: song({ song_id: 'SOTHUNDER', artist_id: 'ARACDC', artist_name: 'AC/DC', title: 'Thunder', duration: 292.9, artist_location: 'Sydney, Australia' }),
  highway: song({ song_id: 'SOHIGHWAY', artist_id: 'ARACDC', artist_name: 'AC/DC', title: 'Highway to Hell', duration: 208, artist_location: 'Sydney, Australia' }),
  'twice-a': song({ song_id: 'SOTWICE', artist_id: 'ARTWO', title: 'Zulu', duration: 100 }),
  renamed: song({ song_id: 'SORIGHTID', artist_id: 'ARRIGHT', title: 'Filed', duration: 150 }),
};

/** The files CORRECTED changes. */
const CHANGED = Object.fromEntries(Object.entries(CORRECTED).filter(([name, record]) => record !== FIRST[name]));

/** Plays of the corrected songs: they match only once the corrections are published. */
const PLAYS = [play(0, 'AC/DC', 'Thunder', 292.9), play(1, 'Someone', 'Zulu', 100), play(2, 'Someone', 'Filed', 150)];

type Engine = WorkflowEngine;

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let tmp: string;
const emulators: RedshiftEmulator[] = [];

beforeAll(async () => {
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-corrections-'));
});

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A source directory of its own and a fresh warehouse on `engine`, loaded by the ETL workflow. */
class Loaded {
  private constructor(
    readonly source: string,
    readonly uri: string,
    private readonly open: () => Promise<Warehouse>,
  ) {}

  static async on(engine: Engine): Promise<Loaded> {
    const source = fs.mkdtempSync(path.join(tmp, 'source-'));
    const { uri, open } = await freshWarehouse(engine, { pg, s3, dir: tmp, emulators }, 'corrections');
    return new Loaded(source, uri, open);
  }

  writeSongs(files: Record<string, SongRecord>): void {
    const dir = path.join(this.source, 'song_data', 'A', 'B', 'C');
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, record] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(record));
  }

  writePlays(): void {
    const dir = path.join(this.source, 'log_data', '2018', '11');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${DAY}-events.json`), PLAYS.map((e) => JSON.stringify(e)).join('\n'));
  }

  /** One run over every file after each `change`; returns how many song files each run staged. */
  async runAfter(...changes: Array<() => void | Promise<void>>): Promise<number[]> {
    return this.runFrom(this.source, ...changes);
  }

  /** runAfter, reading the source at `source` (a copy of this one on S3). */
  async runFrom(source: string, ...changes: Array<() => void | Promise<void>>): Promise<number[]> {
    const worker = await temporal.worker({ s3: s3.settings });
    const staged = await worker.during(async () => {
      const counts: number[] = [];
      for (const change of changes) {
        await change();
        counts.push((await (await worker.start({ source, warehouse: this.uri, maxRejectRate: 0 })).result()).files.songs);
      }
      return counts;
    });
    await worker.resources.close(); // one writer per DuckDB file
    return staged;
  }

  async query(sql: string) {
    const w = await this.open();
    try {
      return await w.query(sql);
    } finally {
      await w.close();
    }
  }

  /** What the song publishes decide: songs, artists, the match keys and what each play matched. */
  async tables() {
    const w = await this.open();
    try {
      return {
        songs: await w.query('SELECT song_id, title, artist_id, year, duration FROM songs ORDER BY song_id'),
        artists: await w.query('SELECT artist_id, name, location, latitude, longitude FROM artists ORDER BY artist_id'),
        keys: await w.query('SELECT song_id, artist_id, title_raw, artist_name_raw, title_key, artist_key, duration FROM etl_song_keys ORDER BY song_id'),
        plays: await w.query('SELECT start_time, song_id, artist_id FROM songplays ORDER BY start_time'),
      };
    } finally {
      await w.close();
    }
  }
}

describe.each(['duckdb', 'postgres', 'redshift'] as const)('on %s', (engine) => {
  let clean: Awaited<ReturnType<Loaded['tables']>>;

  beforeAll(async () => {
    const loaded = await Loaded.on(engine);
    await loaded.runAfter(() => {
      loaded.writeSongs(CORRECTED);
      loaded.writePlays();
    });
    clean = await loaded.tables();
    // The corrected rows, as the rules pick them from the corrected files alone.
    expect(clean.songs).toEqual([
      { song_id: 'SOHIGHWAY', title: 'Highway to Hell', artist_id: 'ARACDC', year: 2000, duration: 208 },
      { song_id: 'SORIGHTID', title: 'Filed', artist_id: 'ARRIGHT', year: 2000, duration: 150 },
      { song_id: 'SOTHUNDER', title: 'Thunder', artist_id: 'ARACDC', year: 2000, duration: 292.9 },
      { song_id: 'SOTWICE', title: 'Zed', artist_id: 'ARTWO', year: 2000, duration: 100 },
    ]);
    expect(clean.artists.find((a) => a.artist_id === 'ARACDC')).toMatchObject({ location: 'Sydney, Australia' });
    expect(clean.plays.map((p) => p.song_id)).toEqual(['SOTHUNDER', null, 'SORIGHTID']);
  }, 300_000);

  test('song files corrected after they were loaded are staged again, and replace what they gave: the tables equal a clean load of the corrected files', async () => {
    const loaded = await Loaded.on(engine);
    const staged = await loaded.runAfter(
      () => {
        loaded.writeSongs(FIRST);
        loaded.writePlays();
      },
      () => loaded.writeSongs(CHANGED),
    );
    // The second run stages only the files whose content changed.
    expect(staged).toEqual([5, 4]);
    expect(await loaded.tables()).toEqual(clean);
  }, 300_000);

  test('the result is the same whatever order the files and their corrections are loaded in', async () => {
    const loaded = await Loaded.on(engine);
    const names = Object.keys(FIRST);
    // One file per run, last first, each in its first form; then the corrections, first first.
    await loaded.runAfter(
      () => loaded.writePlays(),
      ...[...names].reverse().map((name) => () => loaded.writeSongs({ [name]: FIRST[name] })),
      ...names.map((name) => () => loaded.writeSongs({ [name]: CORRECTED[name] })),
    );
    expect(await loaded.tables()).toEqual(clean);
  }, 600_000);
});

test('on Redshift staging from S3, where a COPY of several files names no file per row, each version is kept once: staging the files again adds none', async () => {
  const loaded = await Loaded.on('redshift');
  const prefix = `${path.basename(loaded.source)}/`;
  const upload = async () => void (await uploadDirectory(s3, loaded.source, 'corrections', prefix));
  const staged = await loaded.runFrom(
    `s3://corrections/${prefix.slice(0, -1)}`,
    async () => {
      loaded.writeSongs(FIRST);
      loaded.writePlays();
      await upload();
    },
    // As after a rules upgrade: every song file is staged again, in one COPY.
    () => loaded.query('UPDATE etl_run_rules SET rules_version = 0').then(() => undefined),
  );
  expect(staged).toEqual([5, 5]);
  const versions = await loaded.query('SELECT source_key, song_id, title FROM etl_song_file_songs ORDER BY song_id, title');
  expect(versions).toEqual([
    { source_key: null, song_id: 'SOHIGHWAY', title: 'Highway to Hell' },
    { source_key: null, song_id: 'SOTHUNDER', title: 'Thunde' },
    { source_key: null, song_id: 'SOTWICE', title: 'Bee' },
    { source_key: null, song_id: 'SOTWICE', title: 'Zed' },
    { source_key: null, song_id: 'SOWRONGID', title: 'Misfiled' },
  ]);
  expect(await loaded.query('SELECT COUNT(*) AS n FROM etl_song_file_artists')).toEqual([{ n: 3 }]);
}, 300_000);
