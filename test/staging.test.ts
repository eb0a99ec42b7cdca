import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { hasChunkedStaging, hasFileStaging } from '../src/warehouse/types';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { MAX_LINE_BYTES, MAX_SONG_FILE_BYTES } from '../src/staging/rawLines';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';
import { CORPUS_MAX_LINE_BYTES, CORPUS_MAX_SONG_FILE_BYTES, goodEvent, writeBadInputCorpus, type CorpusCase } from './support/badInputCorpus';

/**
 * The set-based staging path on DuckDB and PostgreSQL, fed the bad-input corpus: nothing crashes,
 * every bad record is in etl_rejected_records with its file, line and reason, every good record is
 * staged, and the reject-rate threshold works as before.
 */
let pg: PgServer;
let s3: S3Server | undefined;
const emulators: RedshiftEmulator[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);

afterAll(async () => {
  for (const emulator of emulators) await emulator.stop();
  await s3?.stop();
  await pg?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-staging-'));
  dirs.push(dir);
  return dir;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** How the engine stages; 's3': its default path, from a bucket instead of a directory. */
type Parsing = 'warehouse' | 'worker' | 'direct' | 'raw' | 's3';
const REDSHIFT_ROWS = 'Redshift (emulator) from a local source: rows parsed in the worker and appended';
const engines: [string, (dir: string) => Promise<string>, Parsing | undefined][] = [
  ['DuckDB (parsed in the worker, the default)', async (dir) => `duckdb:${path.join(dir, 'wh.duckdb')}`, undefined],
  ["DuckDB (event lines raw, parsed by DuckDB's typed stage)", async (dir) => `duckdb:${path.join(dir, 'wh.duckdb')}`, 'raw'],
  ['DuckDB (files read by DuckDB itself)', async (dir) => `duckdb:${path.join(dir, 'wh.duckdb')}`, 'direct'],
  ['DuckDB (raw lines parsed in SQL)', async (dir) => `duckdb:${path.join(dir, 'wh.duckdb')}`, 'warehouse'],
  ['PostgreSQL', async () => createTestDatabase(pg.url, 'staging'), undefined],
  ['DuckDB (the default) from S3', async (dir) => `duckdb:${path.join(dir, 'wh.duckdb')}`, 's3'],
  ['PostgreSQL from S3', async () => createTestDatabase(pg.url, 'staging'), 's3'],
  [REDSHIFT_ROWS, redshiftEmulatorUri, undefined],
];

/**
 * What Redshift cannot hold, and so the rows path rejects where the other engines stage: a value
 * over 65535 bytes (its largest VARCHAR). A reject's raw text is cut to fit the column too.
 */
const REDSHIFT_ROWS_CASES: Record<string, Pick<CorpusCase, 'staged' | 'rejects'>> = {
  'long line under the cap': { staged: 0, rejects: [{ line: 1, reason: /^field "userAgent" is 200000 bytes, more than the 65535-byte limit of a Redshift VARCHAR$/ }] },
};

function expectedOn(engine: string, c: CorpusCase): Pick<CorpusCase, 'staged' | 'rejects'> {
  return (engine === REDSHIFT_ROWS && REDSHIFT_ROWS_CASES[c.name]) || c;
}

/** A Data API emulator of its own (no COPY from S3 runs: the source is local). */
async function redshiftEmulatorUri(): Promise<string> {
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  const s3 = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, accessKeyId: 'x', secretAccessKey: 'x' };
  const emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'stagingrs'), s3 });
  emulators.push(emulator);
  return `redshift-data://workgroup/etl/dev?region=us-east-1&endpoint=${emulator.endpoint}`;
}

/** The directory's files in the loopback S3 server (started once), as a source URI. */
async function inBucket(dir: string): Promise<string> {
  s3 ??= await startS3();
  const prefix = `${path.basename(path.dirname(dir))}/`;
  await uploadDirectory(s3, dir, 'corpus', prefix);
  return `s3://corpus/${prefix}`;
}

async function prepare(warehouse: string, local: string, parsing?: Parsing) {
  const source = parsing === 's3' ? await inBucket(local) : local;
  const resources = new Resources({ s3: parsing === 's3' ? s3!.settings : {}, log: silentLogger });
  const activities = createActivities({ resources, log: silentLogger });
  const opened = await resources.warehouse(warehouse);
  if (parsing === 'raw') {
    if (!(opened instanceof DuckDbWarehouse)) throw new Error(`${warehouse} takes no raw event lines`);
    opened.readsLocalFiles = false;
    opened.rawEventLines = true; // test/stagingTyped.test.ts compares this path with the checked SQL row for row
  } else if (parsing === 'direct') {
    if (!hasFileStaging(opened)) throw new Error(`${warehouse} does not read files itself`);
    opened.readsLocalFiles = true; // test/stagingDirect.test.ts and stagingTyped.test.ts cover this path further
  } else if (parsing && parsing !== 's3') {
    if (hasFileStaging(opened)) opened.readsLocalFiles = false;
    if (!hasChunkedStaging(opened)) throw new Error(`${warehouse} has no set-based staging`);
    opened.recordParsing = parsing;
  }
  const ref = { runId: 'corpus-run', source, warehouse };
  await activities.createSchema(ref);
  await activities.listSourceFiles({ ...ref, window: null });
  const query = async (sql: string) => (await resources.warehouse(warehouse)).query(sql);
  return { resources, activities, ref, query };
}

test('the corpus caps are the staging caps', () => {
  expect(CORPUS_MAX_LINE_BYTES).toBe(MAX_LINE_BYTES);
  expect(CORPUS_MAX_SONG_FILE_BYTES).toBe(MAX_SONG_FILE_BYTES);
});

describe.each(engines)('the bad-input corpus on %s', (engine, warehouseFor, parsing) => {
  let corpus: CorpusCase[];
  let staged: { events: Awaited<ReturnType<ReturnType<typeof createActivities>['stageEvents']>>; songs: Awaited<ReturnType<ReturnType<typeof createActivities>['stageSongs']>> };
  let byKey: Map<string, { staged: number; rejects: { line: number; reason: string; raw: { bytes: number; chars: number; md5: string } }[] }>;
  let query: (sql: string) => Promise<Record<string, unknown>[]>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const dir = tempDir();
    corpus = writeBadInputCorpus(path.join(dir, 'data'));
    const f = await prepare(await warehouseFor(dir), path.join(dir, 'data'), parsing);
    query = f.query;
    close = () => f.resources.close();
    staged = {
      events: await f.activities.stageEvents({ ...f.ref, maxRejectRate: 1 }),
      songs: await f.activities.stageSongs({ ...f.ref, maxRejectRate: 1 }),
    };
    byKey = new Map(corpus.map((c) => [c.key, { staged: 0, rejects: [] }]));
    for (const table of ['staging_events', 'staging_songs']) {
      for (const row of await f.query(`SELECT source_key, COUNT(*) AS n FROM ${table} WHERE run_id = 'corpus-run' GROUP BY source_key`)) {
        byKey.get(String(row.source_key))!.staged = Number(row.n);
      }
    }
    // On Redshift a reject's row (its raw text up to 65535 bytes, key and reason) can be more than
    // the Data API returns in one row (64 KB): its raw text is read as a length and a digest.
    const rejects =
      engine === REDSHIFT_ROWS
        ? 'SELECT source_key, source_line, reason, OCTET_LENGTH(raw) AS raw_bytes, LEN(raw) AS raw_chars, MD5(raw) AS raw_md5 FROM etl_rejected_records ORDER BY source_key, source_line'
        : 'SELECT source_key, source_line, reason, raw FROM etl_rejected_records ORDER BY source_key, source_line';
    for (const row of await f.query(rejects)) {
      const raw = row.raw === undefined ? undefined : String(row.raw);
      byKey.get(String(row.source_key))!.rejects.push({
        line: Number(row.source_line),
        reason: String(row.reason),
        raw: raw === undefined ? { bytes: Number(row.raw_bytes), chars: Number(row.raw_chars), md5: String(row.raw_md5) } : { bytes: Buffer.byteLength(raw), chars: raw.length, md5: md5(raw) },
      });
    }
  }, 180_000);

  afterAll(() => close?.());

  test('has at least 30 distinct cases', () => {
    expect(new Set(corpus.map((c) => c.name + c.kind)).size).toBeGreaterThanOrEqual(30);
  });

  test('every case stages its good records and rejects its bad ones with line and reason', () => {
    for (const c of corpus) {
      const got = byKey.get(c.key)!;
      const want = expectedOn(engine, c);
      const summary = { case: c.name, staged: got.staged, rejects: got.rejects.map((r) => ({ line: r.line, reason: r.reason })) };
      expect({ case: c.name, staged: got.staged, rejects: got.rejects.map((r) => r.line) }).toEqual({ case: c.name, staged: want.staged, rejects: want.rejects.map((r) => r.line) });
      want.rejects.forEach((expected, i) => expect({ ...summary, reason: got.rejects[i].reason }).toEqual({ ...summary, reason: expect.stringMatching(expected.reason) }));
    }
  });

  test('the results count every record once', async () => {
    for (const kind of ['events', 'songs'] as const) {
      const cases = corpus.filter((c) => c.kind === kind).map((c) => expectedOn(engine, c));
      const good = cases.reduce((n, c) => n + c.staged, 0);
      const bad = cases.reduce((n, c) => n + c.rejects.length, 0);
      // Which files are staged is the listing's business (it may skip, say, an empty file with a reason).
      const [listed] = await query(`SELECT COUNT(*) AS n FROM etl_run_files WHERE run_id = 'corpus-run' AND kind = '${kind}'`);
      expect(staged[kind]).toMatchObject({ files: listed.n, recordsStaged: good, recordsRejected: bad, recordsRead: good + bad });
      expect(staged[kind].rejectSamples.length).toBe(5);
    }
  });

  test('rejects keep raw text, capped', () => {
    const all = [...byKey.values()].flatMap((v) => v.rejects);
    expect(all.every((r) => r.raw.chars > 0 && r.raw.chars <= 65_536 && (engine !== REDSHIFT_ROWS || r.raw.bytes <= 65_535))).toBe(true);
    const overLong = corpus.find((c) => c.name === 'line longer than the cap')!;
    const raw = byKey.get(overLong.key)!.rejects[0].raw;
    // The line's start: its first 65535 bytes (a Redshift VARCHAR), elsewhere its first 65536 characters.
    const line = overLong.content.toString('utf8').split('\n')[1];
    const start = engine === REDSHIFT_ROWS ? Buffer.from(line).subarray(0, 65_535).toString('utf8') : line.slice(0, 65_536);
    expect(raw).toEqual({ bytes: Buffer.byteLength(start), chars: start.length, md5: md5(start) });
    expect(engine === REDSHIFT_ROWS ? raw.bytes : raw.chars).toBe(engine === REDSHIFT_ROWS ? 65_535 : 65_536);
  });

  test('values arrive as the source had them: BOM stripped, numbers typed, unicode intact', async () => {
    const bom = corpus.find((c) => c.name === 'leading byte-order mark' && c.kind === 'events')!;
    expect(await query(`SELECT source_line, userid, iteminsession, sessionid, ts, length FROM staging_events WHERE source_key = '${bom.key}' ORDER BY source_line`)).toEqual([
      { source_line: 1, userid: '12', iteminsession: 0, sessionid: 7, ts: goodEvent(0).ts, length: 215.5 },
      { source_line: 2, userid: '12', iteminsession: 1, sessionid: 7, ts: goodEvent(1).ts, length: 215.5 },
    ]);
    const typed = corpus.find((c) => c.name === 'userId as a number and ts as digit text')!;
    expect(await query(`SELECT userid, ts FROM staging_events WHERE source_key = '${typed.key}' ORDER BY source_line`)).toEqual([
      { userid: '42', ts: goodEvent(1).ts },
      { userid: '12', ts: goodEvent(0).ts },
    ]);
    const unicode = corpus.find((c) => c.name === 'unicode escapes and emoji')!;
    expect(await query(`SELECT song, artist FROM staging_events WHERE source_key = '${unicode.key}' ORDER BY source_line`)).toEqual([
      { song: 'Jóga 🎵', artist: 'Björk' },
      { song: 'Jóga', artist: 'Sigur Rós — ( ͡° ͜ʖ ͡°)' },
    ]);
    const big = corpus.find((c) => c.name === 'sessionId beyond 32 bits fits BIGINT')!;
    expect(await query(`SELECT sessionid FROM staging_events WHERE source_key = '${big.key}'`)).toEqual([{ sessionid: 3000000000 }]);
    const concatenated = corpus.find((c) => c.name === 'two concatenated objects')!;
    expect(await query(`SELECT source_line, song_id, year, duration FROM staging_songs WHERE source_key = '${concatenated.key}' ORDER BY song_id`)).toEqual([
      { source_line: 1, song_id: 'SOB1', year: 2000, duration: 200.5 },
      { source_line: 1, song_id: 'SOB2', year: 2000, duration: 200.5 },
    ]);
  });
});

describe.each(engines)('the reject-rate threshold on %s', (engine, warehouseFor, parsing) => {
  test('too many rejects fail staging without retry and keep every reject', async () => {
    const dir = tempDir();
    const corpus = writeBadInputCorpus(path.join(dir, 'data'));
    const f = await prepare(await warehouseFor(dir), path.join(dir, 'data'), parsing);
    try {
      const err = await f.activities.stageEvents({ ...f.ref, maxRejectRate: 0.2 }).catch((e: unknown) => e);
      const bad = corpus.filter((c) => c.kind === 'events').reduce((n, c) => n + expectedOn(engine, c).rejects.length, 0);
      expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true, message: expect.stringMatching(new RegExp(`^${bad} of \\d+ events records rejected`)) });
      expect(await f.query("SELECT COUNT(*) AS n FROM etl_rejected_records WHERE kind = 'events'")).toEqual([{ n: bad }]);
      // Under the limit the same input stages.
      await expect(f.activities.stageEvents({ ...f.ref, maxRejectRate: 0.9 })).resolves.toMatchObject({ recordsRejected: bad });
      expect(await f.query("SELECT COUNT(*) AS n FROM etl_rejected_records WHERE kind = 'events'")).toEqual([{ n: bad }]);
    } finally {
      await f.resources.close();
    }
  }, 120_000);
});

test('the Redshift rows path heartbeats while it appends the rejects, after the rows', async () => {
  const dir = tempDir();
  const corpus = writeBadInputCorpus(path.join(dir, 'data'));
  const f = await prepare(await redshiftEmulatorUri(), path.join(dir, 'data'));
  try {
    const env = new MockActivityEnvironment();
    const beats: Record<string, unknown>[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d as Record<string, unknown>));
    await env.run(() => f.activities.stageEvents({ ...f.ref, maxRejectRate: 1 }));
    const bad = corpus.filter((c) => c.kind === 'events').reduce((n, c) => n + expectedOn(REDSHIFT_ROWS, c).rejects.length, 0);
    expect(beats).toContainEqual({ kind: 'events', appending: 'rejects', rejects: bad });
  } finally {
    await f.resources.close();
  }
}, 120_000);

describe('heartbeats while staging one big file', () => {
  test('every 100k lines (or few seconds) with the file and line reached, not only at the end', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'data', 'log_data', '2018', '11', '2018-11-01-events.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < 350_000; i++) lines.push(JSON.stringify(goodEvent(i % 1000, { ts: Date.UTC(2018, 10, 1) + i })));
    fs.writeFileSync(file, lines.join('\n'));
    // The worker's line reader reports the line it reached (DuckDB reading the file itself heartbeats per batch).
    const f = await prepare(`duckdb:${path.join(dir, 'wh.duckdb')}`, path.join(dir, 'data'), 'worker');
    try {
      const env = new MockActivityEnvironment();
      const beats: { file?: string; line?: number }[] = [];
      env.on('heartbeat', (d: unknown) => beats.push(d as { file?: string; line?: number }));
      const result = await env.run(() => f.activities.stageEvents({ ...f.ref, maxRejectRate: 0 }));
      expect(result).toMatchObject({ recordsStaged: 350_000 });
      const midFile = beats.filter((b) => b.file === 'log_data/2018/11/2018-11-01-events.json' && (b.line ?? 0) > 0 && (b.line ?? 0) < 350_000);
      expect(midFile.length).toBeGreaterThanOrEqual(3);
    } finally {
      await f.resources.close();
    }
  }, 300_000);
});
