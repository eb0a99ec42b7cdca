import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordKind } from '../src/etl/types';
import { LocalSource } from '../src/source';
import { stagingCopySegments } from '../src/staging/copyStaging';
import { rawLinesOf, type ReadProgress } from '../src/staging/rawLines';
import { stageInWarehouse } from '../src/staging/stageInWarehouse';
import { encodeThreadScript, threadedCopySegments } from '../src/staging/threadedCopyStaging';
import type { CopySegment } from '../src/warehouse/copyTextStaging';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { sqlStatements } from '../src/warehouse/sql';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { writeBadInputCorpus } from './support/badInputCorpus';
import { listedKeysOf } from '../src/staging/listedKeys';

/**
 * PostgreSQL's staging parses and encodes COPY text on a worker thread (threadedCopyStaging.ts):
 * the segments it gives are byte for byte those of the in-process encoder (copyStaging.ts), the
 * staged rows and rejects are the same, and a failure in the thread fails the staging call with
 * an error naming the file, leaving nothing staged.
 */
const SAMPLE = path.resolve(__dirname, '../../shared/data/udacity-sample');
const RAW_CAP = 65_536;
const SCHEMA = ['staging_events', 'staging_songs', 'etl_tables', 'etl_file_counts'];

let corpusDir: string;
let pg: PgServer;
beforeAll(async () => {
  corpusDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-thread-'));
  writeBadInputCorpus(corpusDir);
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  fs.rmSync(corpusDir, { recursive: true, force: true });
});

async function keysOf(source: LocalSource, kind: RecordKind): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of source.list(kind === 'events' ? 'log_data/' : 'song_data/')) if (!o.skip) keys.push(o.key);
  return keys;
}

/** Each segment's table and bytes, in order. */
async function collect(segments: AsyncIterable<CopySegment>): Promise<{ table: string; text: string }[]> {
  const out: { table: string; text: string }[] = [];
  for await (const segment of segments) {
    const chunks: Buffer[] = [];
    for await (const chunk of segment.data) chunks.push(chunk);
    out.push({ table: segment.table, text: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

test('the thread script is built', () => {
  expect(encodeThreadScript()).toMatch(/copyEncodeThread\.js$/);
});

describe.each(['events', 'songs'] as const)('%s encoded on the thread', (kind) => {
  test.each([
    ['the real sample', () => SAMPLE],
    ['the bad-input corpus', () => corpusDir],
  ])('from %s: the same segments, byte for byte, as the in-process encoder', async (_name, root) => {
    const source = new LocalSource(root());
    const keys = await keysOf(source, kind);
    // A reject buffer of one byte: the stream switches tables after every reject.
    const flush = 1;
    for (const flavour of ['text', 'csv'] as const) {
      const inProcessProgress: ReadProgress = { filesDone: 0, bytes: 0, lines: 0 };
      const inProcess = await collect(stagingCopySegments('r1', kind, rawLinesOf(kind, keys, source, inProcessProgress, () => undefined), RAW_CAP, flush, flavour));
      const progress: ReadProgress = { filesDone: 0, bytes: 0, lines: 0 };
      let reports = 0;
      const threaded = await collect(
        threadedCopySegments({ runId: 'r1', kind, keys, source, rawCap: RAW_CAP, flavour, progress, onProgress: () => reports++, rejectFlushBytes: flush }),
      );
      expect(threaded).toEqual(inProcess);
      expect(inProcess.some((s) => s.table === 'etl_rejected_records')).toBe(root() === corpusDir);
      expect(progress).toMatchObject({ filesDone: keys.length, lines: inProcessProgress.lines, bytes: inProcessProgress.bytes });
      expect(reports).toBeGreaterThan(0);
    }
  });
});

describe('part files written by the thread (DuckDB: spoolInto)', () => {
  test.each([
    ['the real sample', () => SAMPLE],
    ['the bad-input corpus', () => corpusDir],
  ])('from %s: the parts hold the in-process segments byte for byte, at most two on disk at once', async (_name, root) => {
    const source = new LocalSource(root());
    const keys = await keysOf(source, 'events');
    const flush = 1;
    const inProcess = await collect(
      stagingCopySegments('r1', 'events', rawLinesOf('events', keys, source, { filesDone: 0, bytes: 0, lines: 0 }, () => undefined), RAW_CAP, flush, 'csv'),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-parts-'));
    try {
      const segments = threadedCopySegments({
        runId: 'r1', kind: 'events', keys, source, rawCap: RAW_CAP, flavour: 'csv',
        progress: { filesDone: 0, bytes: 0, lines: 0 }, onProgress: () => undefined, rejectFlushBytes: flush,
      });
      // Parts this small: the staging segments span many, and the thread must wait for each to be taken.
      segments.spoolInto!({ dir, partBytes: 4096 });
      const spooled: { table: string; text: string }[] = [];
      let mostParts = 0;
      let mostOnDisk = 0;
      for await (const segment of segments) {
        expect(segment.parts).toBeDefined();
        const texts: string[] = [];
        for await (const file of segment.parts!) {
          mostOnDisk = Math.max(mostOnDisk, fs.readdirSync(dir).length);
          texts.push(fs.readFileSync(file, 'utf8'));
          fs.rmSync(file);
        }
        mostParts = Math.max(mostParts, texts.length);
        spooled.push({ table: segment.table, text: texts.join('') });
      }
      expect(spooled).toEqual(inProcess);
      // The sample's staging segment is many 256 KiB chunks, so many parts; the corpus's are small.
      if (root() === SAMPLE) expect(mostParts).toBeGreaterThan(2);
      expect(mostOnDisk).toBeLessThanOrEqual(2);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Files under `dir` this process holds open (Linux: /proc/self/fd). */
function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(path.resolve(dir) + path.sep)) out.push(target);
    } catch {
      // closed since the listing
    }
  }
  return out;
}

describe('on PostgreSQL', () => {
  let warehouse: PostgresWarehouse;
  beforeAll(async () => {
    warehouse = new PostgresWarehouse(await createTestDatabase(pg.url, 'thread'));
    await warehouse.execute(SCHEMA.flatMap((n) => sqlStatements(`schema/${n}`, 'postgres')));
  });
  afterAll(() => warehouse?.close());

  async function staged(kind: RecordKind, runId: string) {
    const rows = await warehouse.query(`SELECT * FROM staging_${kind} WHERE run_id = '${runId}' ORDER BY source_key, source_line`);
    const rejects = await warehouse.query(`SELECT * FROM etl_rejected_records WHERE run_id = '${runId}' AND kind = '${kind}' ORDER BY source_key, source_line`);
    return { rows: rows.map(({ run_id: _r, ...rest }) => rest), rejects: rejects.map(({ run_id: _r, ...rest }) => rest) };
  }

  // Song files stay on the main thread (stageInWarehouse.ts); their segments are compared above.
  test.each(['events'] as const)('%s of the corpus: the same rows and rejects with and without the thread', async (kind) => {
    const source = new LocalSource(corpusDir);
    const keys = await keysOf(source, kind);
    const previous = process.env.SPARKIFY_STAGING_THREAD;
    let threaded: Awaited<ReturnType<typeof stageInWarehouse>>;
    try {
      process.env.SPARKIFY_STAGING_THREAD = '0';
      const plain = await stageInWarehouse({ runId: 'plain', kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
      delete process.env.SPARKIFY_STAGING_THREAD;
      threaded = await stageInWarehouse({ runId: 'threaded', kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
      expect(threaded).toEqual(plain);
    } finally {
      if (previous === undefined) delete process.env.SPARKIFY_STAGING_THREAD;
      else process.env.SPARKIFY_STAGING_THREAD = previous;
    }
    const a = await staged(kind, 'plain');
    const b = await staged(kind, 'threaded');
    expect(a.rows.length).toBeGreaterThan(0);
    expect(a.rejects.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    // The counts (the COPYs' own) are what the tables hold; a retried attempt replaces, and changes nothing.
    expect({ staged: b.rows.length, rejected: b.rejects.length }).toEqual({ staged: threaded.recordsStaged, rejected: threaded.recordsRejected });
    const again = await stageInWarehouse({ runId: 'threaded', kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
    expect(again).toEqual(threaded);
    expect(await staged(kind, 'threaded')).toEqual(b);
  });

  /** The run's per-file counts as staging wrote them, and as its staging rows say. */
  async function fileCounts(kind: RecordKind, runId: string) {
    const written = await warehouse.query(`SELECT source_key, records::int AS n FROM etl_file_counts WHERE run_id = '${runId}' AND kind = '${kind}' ORDER BY source_key`);
    const grouped = await warehouse.query(`SELECT source_key, count(*)::int AS n FROM staging_${kind} WHERE run_id = '${runId}' GROUP BY source_key ORDER BY source_key`);
    return { written, grouped };
  }

  test.each([
    ['events', 'the real sample', () => SAMPLE],
    ['events', 'the bad-input corpus', () => corpusDir],
    ['songs', 'the real sample', () => SAMPLE],
    ['songs', 'the bad-input corpus', () => corpusDir],
  ] as const)('%s of %s: each file\'s staged rows counted in etl_file_counts as staged, with and without the thread; a retry replaces them', async (kind, _name, root) => {
    const source = new LocalSource(root());
    const keys = await keysOf(source, kind);
    const previous = process.env.SPARKIFY_STAGING_THREAD;
    try {
      for (const thread of ['0', '1']) {
        process.env.SPARKIFY_STAGING_THREAD = thread;
        const runId = `counted-${kind}-${thread}-${root() === SAMPLE ? 'sample' : 'corpus'}`;
        const result = await stageInWarehouse({ runId, kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
        const { written, grouped } = await fileCounts(kind, runId);
        expect(written.length).toBeGreaterThan(0);
        expect(written).toEqual(grouped);
        expect(written.reduce((n, r) => n + Number(r.n), 0)).toBe(result.recordsStaged);
        // A file with nothing staged has no count (the ledger gives it 0).
        if (root() === corpusDir) expect(written.length).toBeLessThan(keys.length);
        await stageInWarehouse({ runId, kind, keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
        expect(await fileCounts(kind, runId)).toEqual({ written, grouped });
      }
    } finally {
      if (previous === undefined) delete process.env.SPARKIFY_STAGING_THREAD;
      else process.env.SPARKIFY_STAGING_THREAD = previous;
    }
  });

  test('a local event log that is not a regular file fails the call, naming it, without waiting on it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-fifo-'));
    try {
      fs.mkdirSync(path.join(dir, 'log_data'));
      execFileSync('mkfifo', [path.join(dir, 'log_data', 'pipe.json')]);
      const source = new LocalSource(dir);
      await expect(stageInWarehouse({ runId: 'fifo', kind: 'events', keys: listedKeysOf(['log_data/pipe.json']), source, warehouse, heartbeat: () => undefined })).rejects.toThrow(
        'log_data/pipe.json is a named pipe (FIFO), not a regular file',
      );
      expect(await warehouse.query("SELECT count(*)::int AS n FROM staging_events WHERE run_id = 'fifo'")).toEqual([{ n: 0 }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failure in the thread fails the call, names the file, and stages nothing', async () => {
    const source = new LocalSource(SAMPLE);
    const keys = await keysOf(source, 'events');
    const failOnKey = keys[Math.floor(keys.length / 2)];
    await expect(stageInWarehouse({ runId: 'failing', kind: 'events', keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined, failOnKey })).rejects.toThrow(
      `staging events: encoding COPY text failed at ${failOnKey}: failing on ${failOnKey}, as the test asked`,
    );
    expect(await warehouse.query("SELECT count(*)::int AS n FROM staging_events WHERE run_id = 'failing'")).toEqual([{ n: 0 }]);
    // The event logs opened for the thread are closed again.
    expect(openFilesUnder(SAMPLE)).toEqual([]);
    // The same call without the fault stages every file.
    const result = await stageInWarehouse({ runId: 'failing', kind: 'events', keys: listedKeysOf(keys), source, warehouse, heartbeat: () => undefined });
    expect(result.recordsStaged).toBeGreaterThan(0);
    expect(await warehouse.query("SELECT count(DISTINCT source_key)::int AS n FROM staging_events WHERE run_id = 'failing'")).toEqual([{ n: keys.length }]);
  });
});
