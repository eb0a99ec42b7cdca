/**
 * Where the worker stages song files (DuckDB, PostgreSQL), each song file is fetched once: the
 * listing no longer probes its first bytes (on S3 a ranged GET, a round trip per file, before
 * staging's GET of the whole file). Staging finds what the probe found, as it reads each file, and
 * skips it the same way: the file leaves the run's file list for etl_skipped_files with the reason,
 * in the staging transaction (src/staging/skippedSongFiles.ts). The run summary counts what
 * etl_skipped_files holds, also when the workflow got the result of a retried staging without them.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { listRunFiles } from '../src/activities/runFileList';
import { stageFromClient } from '../src/activities/staging';
import { songFilesProbedByStaging } from '../src/activities/stagingActivities';
import { silentLogger } from '../src/log';
import { LocalSource, S3Source, type Source } from '../src/source';
import { listedKeysOf } from '../src/staging/listedKeys';
import { withFilesSkippedInStaging } from '../src/etl/listedFiles';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, type S3Server } from './harness/s3';
import { SAMPLE_DIR } from './harness/temporal';

const song = (id: string) => JSON.stringify({ num_songs: 1, artist_id: `AR${id}`, artist_latitude: null, artist_longitude: null, artist_location: '', artist_name: `Artist ${id}`, song_id: `SO${id}`, title: `Title ${id}`, duration: 200.5, year: 2000 });
const key = (name: string) => `song_data/A/B/C/${name}.json`;
const FILES: Record<string, string | Buffer> = {
  [key('TRGOOD1')]: song('1'),
  [key('TRGOOD2')]: song('2'),
  [key('TRGZIP')]: gzipSync(song('3')),
  [key('TRDENIED')]: song('4'),
  [key('TRGOOD3')]: song('5'),
};
const GZIP_REASON = 'gzip-compressed content in a .json file: the pipeline reads plain JSON only';

/** An S3 error as the SDK throws it for an object the role may not read. */
function accessDenied(): Error {
  return Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

/**
 * `inner`, counting each key's reads (first bytes or whole), refusing `denied` as S3 refuses an
 * object the role may not read, and failing `flaky` with a network error, which may pass.
 */
function countingSource(inner: Source, denied: string, flaky?: string): Source & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const read = <T>(k: string, go: () => Promise<T>): Promise<T> => {
    reads.set(k, (reads.get(k) ?? 0) + 1);
    if (k === denied) return Promise.reject(accessDenied());
    if (k === flaky) return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    return go();
  };
  return {
    description: inner.description,
    smallReadConcurrency: inner.smallReadConcurrency,
    list: (prefix: string) => inner.list(prefix),
    open: (k: string): Promise<Readable> => read(k, () => inner.open(k)),
    readHead: (k: string, bytes: number) => read(k, () => inner.readHead(k, bytes)),
    reads,
  };
}

let pg: PgServer;
let s3: S3Server;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-read-once-'));
  for (const [k, content] of Object.entries(FILES)) {
    fs.mkdirSync(path.join(dir, 'src', path.dirname(k)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', k), content);
  }
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  await s3.client().send(new CreateBucketCommand({ Bucket: 'songs' }));
  for (const [k, content] of Object.entries(FILES)) await s3.client().send(new PutObjectCommand({ Bucket: 'songs', Key: k, Body: content }));
}, 120_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function withSchema(uri: string, open: () => Promise<Warehouse>): Promise<Warehouse> {
  await createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uri, defaultSource: SAMPLE_DIR }), log: silentLogger }).createSchema({ warehouse: uri });
  return open();
}

const rows = async (w: Warehouse, sql: string) => (await w.query(sql)).map((r) => Object.values(r).map(String).join(' '));

const cases: [string, () => Promise<{ w: Warehouse; uri: string }>, () => Source][] = [
  [
    'DuckDB, song files from S3',
    async () => {
      const file = path.join(dir, `once-${Date.now()}.duckdb`);
      return { w: await withSchema(`duckdb:${file}`, () => DuckDbWarehouse.open(file)), uri: `duckdb:${file}` };
    },
    () => new S3Source(s3.client(), 'songs', ''),
  ],
  [
    'PostgreSQL, song files from a local directory',
    async () => {
      const url = await createTestDatabase(pg.url, `once_${Date.now()}`);
      return { w: await withSchema(url, async () => new PostgresWarehouse(url)), uri: url };
    },
    () => new LocalSource(path.join(dir, 'src')),
  ],
];

describe.each(cases)('%s', (_name, openWarehouse, openSource) => {
  test('each song file is read once; the compressed and the unreadable ones are skipped with reasons, off the run file list', async () => {
    const { w, uri } = await openWarehouse();
    try {
      const source = countingSource(openSource(), key('TRDENIED'));
      expect(songFilesProbedByStaging(w, source)).toBe(true);
      const listed = await listRunFiles({ source, warehouse: w, runId: 'r1', window: null, part: 'songs', probeSongFiles: false });
      expect(listed.songFiles).toBe(5);
      expect(listed.skippedFiles).toBe(0);
      expect(source.reads.size).toBe(0);

      const keys = (await rows(w, "SELECT source_key FROM etl_run_files WHERE run_id = 'r1' ORDER BY source_key")).sort();
      const staged = await stageFromClient({ runId: 'r1', kind: 'songs', keys: listedKeysOf(keys), source, warehouse: w });
      // One read per song file, listing and staging together.
      expect(Object.fromEntries(source.reads)).toEqual(Object.fromEntries(Object.keys(FILES).map((k) => [k, 1])));

      expect(staged.files).toBe(3);
      expect(staged.recordsStaged).toBe(3);
      expect(staged.recordsRejected).toBe(0);
      expect(staged.skipped?.count).toBe(2);
      expect(staged.skipped?.samples.map((s) => [s.sourceKey, s.reason, s.size])).toEqual([
        [key('TRDENIED'), 'unreadable (AccessDenied)', Buffer.byteLength(String(FILES[key('TRDENIED')]))],
        [key('TRGZIP'), GZIP_REASON, (FILES[key('TRGZIP')] as Buffer).length],
      ]);
      const skippedRows = "SELECT kind, source_key, reason FROM etl_skipped_files WHERE run_id = 'r1' ORDER BY source_key";
      const runFiles = "SELECT source_key FROM etl_run_files WHERE run_id = 'r1' ORDER BY source_key";
      const expectTables = async () => {
        expect(await rows(w, skippedRows)).toEqual([`songs ${key('TRDENIED')} unreadable (AccessDenied)`, `songs ${key('TRGZIP')} ${GZIP_REASON}`]);
        expect(await rows(w, runFiles)).toEqual([key('TRGOOD1'), key('TRGOOD2'), key('TRGOOD3')]);
        expect(await rows(w, "SELECT source_key FROM staging_songs WHERE run_id = 'r1' ORDER BY source_key")).toEqual([key('TRGOOD1'), key('TRGOOD2'), key('TRGOOD3')]);
        expect(await rows(w, "SELECT COUNT(*) FROM etl_rejected_records WHERE run_id = 'r1'")).toEqual(['0']);
      };
      await expectTables();

      // The step retried after its transaction committed reads the shorter file list: the same tables.
      const again = await stageFromClient({ runId: 'r1', kind: 'songs', keys: listedKeysOf(await rows(w, runFiles)), source, warehouse: w });
      expect([again.files, again.recordsStaged, again.skipped]).toEqual([3, 3, undefined]);
      await expectTables();

      // The workflow got the retry's result, without the two: the summary counts what etl_skipped_files holds.
      const files = withFilesSkippedInStaging(listed, again);
      expect(files.skippedFiles).toBe(0);
      const summary = await createActivities({ resources: new Resources({ s3: {}, log: silentLogger }), log: silentLogger }).summarizeRun({
        workflowId: 'w', runId: 'r1', source: path.join(dir, 'src'), warehouse: uri, window: null, startedAt: Date.now(), durationMs: 1,
        files: { events: 0, songs: files.songFiles, bytes: 0 },
        staging: { events: { ...again, kind: 'events', files: 0, recordsRead: 0, recordsStaged: 0 }, songs: again },
        rejected: { count: 0, samples: [] },
        skipped: { count: files.skippedFiles ?? 0, samples: files.skippedSamples ?? [] },
        matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
        checks: [],
        steps: {},
      });
      expect(summary.skipped?.count).toBe(2);
    } finally {
      await w.close();
    }
  });

  test('a read error that may pass fails the staging (to be retried) and skips nothing', async () => {
    const { w } = await openWarehouse();
    try {
      const source = countingSource(openSource(), key('TRDENIED'), key('TRGOOD2'));
      await listRunFiles({ source, warehouse: w, runId: 'r2', window: null, part: 'songs', probeSongFiles: false });
      const keys = await rows(w, "SELECT source_key FROM etl_run_files WHERE run_id = 'r2' ORDER BY source_key");
      await expect(stageFromClient({ runId: 'r2', kind: 'songs', keys: listedKeysOf(keys), source, warehouse: w })).rejects.toThrow(/socket hang up/);
      expect(await rows(w, "SELECT COUNT(*) FROM etl_skipped_files WHERE run_id = 'r2'")).toEqual(['0']);
      expect(await rows(w, "SELECT COUNT(*) FROM etl_run_files WHERE run_id = 'r2'")).toEqual(['5']);
    } finally {
      await w.close();
    }
  });
});
