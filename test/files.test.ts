import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { classifyKey, dropUnreadable, listSource } from '../src/activities/listing';
import type { RunSummary, SkippedFile } from '../src/etl/types';
import { formatSummary } from '../src/cli/format';
import { generateDataset } from '../src/generate';
import { LocalSource } from '../src/source';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { startTestTemporal, type TestTemporal } from './harness/temporal';
import { startEmulatedRedshift } from './support/emulatedRedshift';

/**
 * Every file under the source ends a run accounted for: loaded (in the load ledger) or skipped
 * with a reason (etl_skipped_files and the run summary). The bad files are written by
 * `writeBadFiles` beside a small generated data set.
 */

/** Bad files and what each must be skipped for. */
const BAD_FILES: { key: string; content: Buffer | string; reason: RegExp }[] = [
  { key: 'log_data/2018/11/2018-11-01-events.json.gz', content: gzipSync('{"ts":1}\n'), reason: /^compressed file \(\.gz\)/ },
  { key: 'log_data/2018/11/2018-11-01-events (1).json', content: '{}\n', reason: /^name does not fit log_data\/YYYY\/MM\/YYYY-MM-DD-events\.json$/ },
  { key: "log_data/2018/11/it's 2018-11-01-events.json", content: '{}\n', reason: /^name does not fit log_data/ },
  { key: 'log_data/2018/11/notes.txt', content: 'notes', reason: /^not a \.json file$/ },
  { key: 'log_data/2018/11/2018-11-03-events.json', content: '', reason: /^empty file \(0 bytes\)$/ },
  { key: 'log_data/2018/11/2018-11-04-events.json', content: gzipSync('{"ts":1}\n'), reason: /^gzip-compressed content in a \.json file/ },
  { key: 'log_data/2018/12/2018-11-05-events.json', content: '{}\n', reason: /^date 2018-11-05 is filed under 2018\/12, not 2018\/11$/ },
  { key: 'log_data/2018/11/2018-11-31-events.json', content: '{}\n', reason: /^date in the name is not a real calendar date$/ },
  { key: 'song_data/A/B/C/readme.md', content: '# songs', reason: /^not a \.json file$/ },
  { key: 'song_data/A/B/C/TRBADZIP0001.json.gz', content: gzipSync('{}'), reason: /^compressed file \(\.gz\)/ },
  // Skipped by the listing's probe on Redshift, by staging where the worker reads the song files (src/staging/skippedSongFiles.ts).
  { key: 'song_data/A/B/C/TRGZIPPED001.json', content: gzipSync('{"song_id":"SOGZ"}'), reason: /^gzip-compressed content in a \.json file/ },
  { key: 'song_data/A/B/song.json', content: '{}', reason: /^name does not fit song_data\/A\/B\/C\/NAME\.json$/ },
  { key: 'song_data/TRTOPLEVEL0001.json', content: '{}', reason: /^name does not fit song_data/ },
  { key: 'song_data/A/B/C/TREMPTY00001.json', content: '', reason: /^empty file \(0 bytes\)$/ },
  { key: 'README.txt', content: 'hello', reason: /^outside log_data\/ and song_data\/$/ },
];

function writeBadFiles(dir: string): void {
  for (const f of BAD_FILES) {
    const file = path.join(dir, ...f.key.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.content);
  }
}

function filesUnder(dir: string, root = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(abs, root) : [path.relative(root, abs).split(path.sep).join('/')];
  });
}

let tmp: string;
let dataDir: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-files-'));
  dataDir = path.join(tmp, 'data');
  await generateDataset({ outDir: dataDir, days: 2, users: 6, songs: 12, seed: 7, startDate: '2018-11-01' });
  writeBadFiles(dataDir);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('classifying keys', () => {
  test.each([
    ['log_data/2018/11/2018-11-01-events.json', 10, { kind: 'events', date: '2018-11-01' }],
    ['song_data/A/B/C/TRABCXY128F42.json', 10, { kind: 'songs' }],
    ['log_data/2018/11/2018-11-01-events.JSON.GZ', 10, { skip: expect.stringMatching(/^compressed file \(\.gz\)/) }],
    ['log_data/2018/11/2018-11-01-events.json', 0, { skip: 'empty file (0 bytes)' }],
    ['log_data/9999/12/9999-12-31-events.json', 10, { skip: expect.stringMatching(/outside the supported dates/) }],
    ['log_data/2018/11/x\u0000.json', 10, { skip: expect.stringMatching(/control characters/) }],
    [`song_data/A/B/C/TR${'X'.repeat(1100)}.json`, 10, { skip: 'name longer than 1024 characters' }],
  ])('%j (%d bytes)', (key, size, expected) => {
    expect(classifyKey(key, size)).toEqual(expected);
  });

  test('a file that cannot be opened after listing is skipped as unreadable, not a crash', async () => {
    const dir = path.join(tmp, 'vanishing');
    const keep = 'song_data/A/A/A/TRKEEP000001.json';
    const gone = 'song_data/A/A/A/TRGONE000001.json';
    const dirNow = 'song_data/A/A/A/TRDIR0000001.json';
    for (const key of [keep, gone, dirNow]) {
      fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
      fs.writeFileSync(path.join(dir, key), '{"song_id":"S"}');
    }
    const source = new LocalSource(dir);
    const listing = await listSource(source, null, () => undefined);
    expect(listing.songs.map((o) => o.key)).toEqual([dirNow, gone, keep]);
    fs.rmSync(path.join(dir, gone));
    fs.rmSync(path.join(dir, dirNow));
    fs.mkdirSync(path.join(dir, dirNow));
    const skipped: SkippedFile[] = [];
    const readable = await dropUnreadable(source, listing.songs, skipped);
    expect(readable.map((o) => o.key)).toEqual([keep]);
    expect(skipped.map((s) => [s.sourceKey, s.reason])).toEqual([
      [dirNow, 'unreadable (EISDIR)'],
      [gone, 'unreadable (ENOENT)'],
    ]);
  });
});

describe('a run over a source with bad files accounts for every file', () => {
  let temporal: TestTemporal;
  let pg: PgServer;
  let s3: S3Server | undefined;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    [temporal, pg] = await Promise.all([startTestTemporal(), startPostgres()]);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await temporal?.stop();
    await pg?.stop();
  });

  async function check(warehouseUri: string, open: () => Promise<Warehouse>, source = dataDir): Promise<void> {
    const workerOptions = s3 ? { s3: s3.settings } : {};
    const worker = await temporal.worker(workerOptions);
    const summary: RunSummary = await worker.run({ source, warehouse: warehouseUri });
    expect(summary.skipped?.count).toBe(BAD_FILES.length);
    for (const bad of BAD_FILES) {
      const sample = summary.skipped!.samples.find((s) => s.sourceKey === bad.key);
      expect([bad.key, sample?.reason]).toEqual([bad.key, expect.stringMatching(bad.reason)]);
    }
    const printed = formatSummary(summary);
    expect(printed).toContain(`Skipped ${BAD_FILES.length} files (every one is listed in etl_skipped_files with its reason):`);
    expect(printed).toContain('  skipped README.txt: outside log_data/ and song_data/');

    const w = await open();
    try {
      const skipped = await w.query(`SELECT kind, source_key, reason FROM etl_skipped_files WHERE run_id = '${summary.runId}' ORDER BY source_key`);
      const ledger = await w.query(`SELECT source_key FROM etl_load_ledger WHERE run_id = '${summary.runId}'`);
      expect(skipped.find((r) => r.source_key === 'README.txt')?.kind).toBe('other');
      // Every file under the source is in exactly one of the two.
      const accounted = [...skipped.map((r) => String(r.source_key)), ...ledger.map((r) => String(r.source_key))].sort();
      expect(accounted).toEqual(filesUnder(dataDir).sort());
    } finally {
      await w.close();
    }

    // A one-day run reports the misnamed files beside its log (its month folder), and every song-side file.
    const day = await (await temporal.worker(workerOptions)).run({ source, warehouse: warehouseUri, window: { from: '2018-11-01', to: '2018-11-01' } });
    const dayKeys = day.skipped!.samples.map((s) => s.sourceKey);
    expect(dayKeys).toContain('log_data/2018/11/2018-11-01-events (1).json');
    expect(dayKeys).toContain('song_data/A/B/song.json');
    expect(dayKeys).not.toContain('README.txt');
  }

  test('on DuckDB', async () => {
    const file = path.join(tmp, 'files.duckdb');
    await check(`duckdb:${file}`, () => DuckDbWarehouse.open(file));
  });

  test('on PostgreSQL', async () => {
    const url = await createTestDatabase(pg.url, 'files');
    await check(url, async () => new PostgresWarehouse(url));
  });

  // Redshift COPYs from S3 only: the same files, listed from a bucket, staged server-side.
  test('on Redshift (emulator), from S3', async () => {
    s3 = await startS3();
    stops.push(() => s3!.stop());
    await uploadDirectory(s3, dataDir, 'bad-files', 'data/');
    const { emulator, uri } = await startEmulatedRedshift(pg, s3, 'files_rs');
    stops.unshift(() => emulator.stop());
    await check(uri, async () => new RedshiftWarehouse(parseRedshiftUri(uri)), 's3://bad-files/data');
  });
});
