import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RULES_VERSION, SCHEMA_VERSION } from '../src/etl/versions';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { copySampleDays } from './support/sampleDays';
import { dumpStarTables, type StarDump } from './support/tables';
import { runSparkify } from './support/cli';
import { withOpenedWarehouse } from './harness/openedWarehouse';

/**
 * The rules version the ledger records with every file it loads (src/etl/versions.ts), on
 * warehouses `sparkify run` built (the built CLI, embedded server and worker), then made to look
 * as an older release left them. Song files were staged again only when their ETag changed, so a
 * rules fix never reached the songs a warehouse had loaded before it, and `run --all` did not help.
 */
const DAYS = ['2018-11-01', '2018-11-02', '2018-11-03'];
/** A song of the sample: as an older release that rejected its file would have left it, missing. */
const SONG_FILE = 'song_data/A/A/A/TRAAAAW128F429D538.json';

let tmp: string;
let source: string;
let pg: PgServer;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-rules-'));
  source = path.join(tmp, 'data');
  copySampleDays(source, DAYS);
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function sparkify(args: string[]) {
  return runSparkify(args, { cwd: tmp, env: { SPARKIFY_LOG_LEVEL: 'error', SPARKIFY_TASK_QUEUE: `rules-${randomUUID()}` }, unset: ['TEMPORAL_ADDRESS'] });
}

function runAll(warehouse: string, from = source): void {
  const run = sparkify(['run', '--all', '--source', from, '--warehouse', warehouse]);
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
}

/** The run summary `run --json` prints on its last line. */
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { files: { songs: number } };

const engines: Array<[string, () => Promise<string>, (uri: string) => Promise<Warehouse>]> = [
  ['DuckDB', async () => `duckdb:${path.join(tmp, `${randomUUID()}.duckdb`)}`, (uri) => DuckDbWarehouse.open(uri.slice('duckdb:'.length))],
  ['PostgreSQL', () => createTestDatabase(pg.url, 'rules'), async (uri) => new PostgresWarehouse(uri)],
];

describe.each(engines)('on %s', (_engine, newWarehouse, open) => {
  let clean: StarDump;

  beforeAll(async () => {
    const uri = await newWarehouse();
    runAll(uri);
    clean = await withOpenedWarehouse(() => open(uri), dumpStarTables);
    expect(clean.songs.length).toBe(71);
  }, 200_000);

  test.each([
    ['deleted (an older release loaded them)', 'DELETE FROM etl_run_rules'],
    ['lowered (older rules loaded them)', `UPDATE etl_run_rules SET rules_version = ${RULES_VERSION - 1}`],
  ])('song files whose rules versions are %s are staged again by the next run, which then equals a clean run', async (_how, age) => {
    const uri = await newWarehouse();
    runAll(uri);
    const song = JSON.parse(fs.readFileSync(path.join(source, SONG_FILE), 'utf8')) as { song_id: string };
    await withOpenedWarehouse(() => open(uri), async (w) => {
      await w.execute([age, `DELETE FROM songs WHERE song_id = '${song.song_id}'`, `DELETE FROM etl_song_keys WHERE song_id = '${song.song_id}'`]);
    });

    runAll(uri);
    await withOpenedWarehouse(() => open(uri), async (w) => {
      expect(await dumpStarTables(w)).toEqual(clean);
      const [rules] = await w.query(
        'SELECT COUNT(*) AS files, COUNT(v.rules_version) AS recorded, MIN(v.rules_version) AS oldest FROM etl_load_ledger l LEFT JOIN etl_run_rules v ON v.run_id = l.run_id',
      );
      expect({ files: Number(rules.files), recorded: Number(rules.recorded), oldest: Number(rules.oldest) }).toEqual({ files: 74, recorded: 74, oldest: RULES_VERSION });
    });
  }, 400_000);

  test('a warehouse of schema version 1 is upgraded by the next run: every song file is staged once into its own versions, and a song file corrected before ends corrected', async () => {
    const uri = await newWarehouse();
    const ownSource = fs.mkdtempSync(path.join(tmp, 'upgrade-'));
    copySampleDays(ownSource, DAYS);
    const songFile = path.join(ownSource, SONG_FILE);
    const corrected = fs.readFileSync(songFile, 'utf8');
    const song = JSON.parse(corrected) as { title: string; duration: number; artist_location: string };
    // First published with a title, duration and location that sort before the corrected ones.
    fs.writeFileSync(songFile, JSON.stringify({ ...song, title: song.title.slice(0, -1), duration: 218.9, artist_location: 'California' }));
    runAll(uri, ownSource);
    // As schema version 1 (rules version 1) left it: no song files' versions.
    await withOpenedWarehouse(() => open(uri), (w) =>
      w.execute([
        'DROP TABLE etl_song_file_songs',
        'DROP TABLE etl_song_file_artists',
        'UPDATE etl_schema_version SET schema_version = 1',
        'UPDATE etl_run_rules SET rules_version = 1',
      ]),
    );
    fs.writeFileSync(songFile, corrected);

    const upgrade = sparkify(['run', '--all', '--source', ownSource, '--warehouse', uri, '--json']);
    expect({ status: upgrade.status, stderr: upgrade.stderr }).toEqual({ status: 0, stderr: '' });
    expect(summaryOf(upgrade.stdout).files.songs).toBe(71);
    const next = sparkify(['run', '--all', '--source', ownSource, '--warehouse', uri, '--json']);
    expect(summaryOf(next.stdout).files.songs).toBe(0);
    await withOpenedWarehouse(() => open(uri), async (w) => {
      expect(await dumpStarTables(w)).toEqual(clean);
      expect(await w.query('SELECT schema_version FROM etl_schema_version')).toEqual([{ schema_version: SCHEMA_VERSION }]);
      const [given] = await w.query('SELECT COUNT(DISTINCT source_key) AS files, COUNT(*) AS versions FROM etl_song_file_songs');
      expect({ files: Number(given.files), versions: Number(given.versions) }).toEqual({ files: 71, versions: 71 });
      const [artists] = await w.query('SELECT COUNT(DISTINCT source_key) AS files FROM etl_song_file_artists');
      expect(Number(artists.files)).toBe(71);
    });
  }, 400_000);
});

test('backfill --dry-run lists the dates whose logs older rules loaded apart; --only-stale runs them, --only-missing skips them', async () => {
  const file = path.join(tmp, 'stale-logs.duckdb');
  const uri = `duckdb:${file}`;
  const backfill = (...flags: string[]) => sparkify(['backfill', '--from', DAYS[0], '--to', DAYS[2], ...flags, '--source', source, '--warehouse', uri]);
  const loaded = backfill();
  expect({ status: loaded.status, stderr: loaded.stderr }).toEqual({ status: 0, stderr: '' });
  // The run of the 2nd as older rules would have left it.
  await withOpenedWarehouse(() => DuckDbWarehouse.open(file), (w) =>
    w.execute([
      `UPDATE etl_run_rules SET rules_version = ${RULES_VERSION - 1} ` +
        "WHERE run_id IN (SELECT run_id FROM etl_load_ledger WHERE source_key = 'log_data/2018/11/2018-11-02-events.json')",
    ]),
  );

  expect(backfill('--only-missing', '--dry-run').stdout).toBe(
    'Would run 0 date(s), 4 at a time:\n' +
      `Skipped, but loaded under older rules than this release's (rules version ${RULES_VERSION}); --only-stale runs them too:\n` +
      `2018-11-02  rules version ${RULES_VERSION - 1}\n`,
  );
  expect(backfill('--only-stale', '--dry-run').stdout).toBe(
    `Would run 1 date(s), 4 at a time:\n2018-11-02  (loaded under rules version ${RULES_VERSION - 1}; this release's is ${RULES_VERSION})\n`,
  );
  expect(JSON.parse(backfill('--only-stale', '--dry-run', '--json').stdout)).toEqual({
    from: DAYS[0],
    to: DAYS[2],
    dates: ['2018-11-02'],
    stale: [{ date: '2018-11-02', rulesVersion: RULES_VERSION - 1 }],
  });

  const ran = backfill('--only-stale');
  expect({ status: ran.status, stderr: ran.stderr }).toEqual({ status: 0, stderr: '' });
  expect(ran.stdout).toMatch(/1 date\(s\) loaded, 2 skipped as already loaded, 0 failed/);
  expect(backfill('--only-stale', '--dry-run').stdout).toBe('Would run 0 date(s), 4 at a time:\n');
}, 400_000);
