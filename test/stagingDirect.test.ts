import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { NO_RECORD_REASON } from '../src/activities/songFilesWithoutRecords';
import type { StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { MAX_LINE_BYTES } from '../src/staging/rawLines';
import { directFileLimit, EVENT_BATCH, MAX_DIRECT_FILE_BYTES, poolBytes } from '../src/staging/stageDirect';
import { MEMORY_LIMIT_ENV } from '../src/warehouse/duckdbSettings';
import { hasChunkedStaging, hasFileStaging } from '../src/warehouse/types';
import { goodEvent, goodSong, writeBadInputCorpus } from './support/badInputCorpus';

/**
 * DuckDB reading a local source's files itself (src/staging/stageDirect.ts; off by default, see
 * docs/staging.md): turned on, it is the path a local source takes, its rejects name file, line and reason for each kind of bad line, the files it
 * can't take as they are go through the worker's reader, and it stages exactly what the worker's
 * raw-line path stages, row for row.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-direct-'));
  dirs.push(dir);
  return dir;
}

type Path = 'direct' | 'worker lines';

/** A DuckDB warehouse with the schema made and `dataDir`'s files listed as run `runId`, DuckDB reading local files itself or not. */
async function listedRun(dataDir: string, runId: string, readsLocalFiles: boolean) {
  const resources = new Resources({ s3: {}, log: silentLogger });
  const activities = createActivities({ resources, log: silentLogger });
  const warehouse = `duckdb:${path.join(tempDir(), 'wh.duckdb')}`;
  const opened = await resources.warehouse(warehouse);
  if (!hasFileStaging(opened) || !hasChunkedStaging(opened)) throw new Error('DuckDB should stage files itself');
  opened.readsLocalFiles = readsLocalFiles;
  const ref = { runId, source: dataDir, warehouse };
  await activities.createSchema(ref);
  await activities.listSourceFiles({ ...ref, window: null });
  return { resources, activities, opened, ref };
}

async function stage(dataDir: string, via: Path) {
  const { resources, activities, opened, ref } = await listedRun(dataDir, 'direct-run', via === 'direct');
  // The other way: the same parse-and-check SQL, lines streamed by the worker.
  if (via === 'worker lines') opened.recordParsing = 'warehouse';
  const env = new MockActivityEnvironment();
  const beats: Record<string, unknown>[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d as Record<string, unknown>));
  const events = (await env.run(() => activities.stageEvents({ ...ref, maxRejectRate: 1 }))) as StageResult;
  const songs = (await env.run(() => activities.stageSongs({ ...ref, maxRejectRate: 1 }))) as StageResult;
  const query = (sql: string) => opened.query(sql);
  const tables = {
    events: await query("SELECT * EXCLUDE (run_id) FROM staging_events WHERE run_id = 'direct-run' ORDER BY source_key, source_line"),
    songs: await query("SELECT * EXCLUDE (run_id) FROM staging_songs WHERE run_id = 'direct-run' ORDER BY source_key, source_line, song_id"),
    rejects: await query("SELECT kind, source_key, source_line, reason, raw FROM etl_rejected_records WHERE run_id = 'direct-run' ORDER BY kind, source_key, source_line"),
  };
  await resources.close();
  return { events, songs, beats, tables };
}

const ok = (i: number) => JSON.stringify(goodEvent(i));

/**
 * Song files take the worker's parse on the direct setting too, whose "invalid JSON" reasons say
 * more than the SQL parse's: they compare up to that detail.
 */
function comparable(tables: Awaited<ReturnType<typeof stage>>['tables']) {
  return { ...tables, rejects: tables.rejects.map((r) => (r.kind === 'songs' ? { ...r, reason: String(r.reason).replace(/^invalid JSON: .*/, 'invalid JSON') } : r)) };
}
const countsOf = (r: StageResult) => ({ files: r.files, recordsRead: r.recordsRead, recordsStaged: r.recordsStaged, recordsRejected: r.recordsRejected });

function write(root: string, key: string, content: Buffer | string): void {
  const file = path.join(root, ...key.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

describe('DuckDB reading local files itself', () => {
  let data: string;
  let direct: Awaited<ReturnType<typeof stage>>;
  const mixed = 'log_data/2018/11/2018-11-01-events.json';
  const nul = 'log_data/2018/11/2018-11-02-events.json';
  const notUtf8 = 'log_data/2018/11/2018-11-03-events.json';
  const overLong = `{"page":"NextSong","song":"${'x'.repeat(MAX_LINE_BYTES)}"}`;

  beforeAll(async () => {
    data = path.join(tempDir(), 'data');
    // One valid UTF-8 file with a bad line of each kind DuckDB's own split must catch, CRLF endings,
    // a byte-order mark, blank lines (counted) and no newline after the last line.
    write(data, mixed, Buffer.from(`\uFEFF${ok(1)}\r\n\r\n  \t\r\n${overLong}\r\n{"page":\n[1,2]\n"text"\n${ok(8)}\n${JSON.stringify(goodEvent(9, { ts: 'soon' }))}\n${ok(10)}`));
    // Files DuckDB leaves to the worker's line reader: a NUL byte, bytes that are not UTF-8.
    write(data, nul, Buffer.concat([Buffer.from(`${ok(1)}\n{"page":"A`), Buffer.from([0]), Buffer.from(`"}\n${ok(3)}\n`)]));
    write(data, notUtf8, Buffer.concat([Buffer.from(`${ok(1)}\n${ok(2)}\n{"page":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
    // Song files: one object after blank lines (its line is where it starts), CRLF; files the worker splits.
    write(data, 'song_data/A/A/A/plain.json', `\r\n\n  ${JSON.stringify(goodSong('P1'))}\r\n`);
    write(data, 'song_data/A/A/A/two.json', `${JSON.stringify(goodSong('T1'))}\n${JSON.stringify(goodSong('T2'))}`);
    write(data, 'song_data/A/A/A/array.json', `[${JSON.stringify(goodSong('R1'))},\n 7]`);
    write(data, 'song_data/A/A/A/blank.json', ' \n');
    write(data, 'song_data/A/A/A/garbage.json', '{"song_id": "SOX", "title": ');
    // A name read_blob would take as a glob pattern: the worker reads it.
    write(data, 'song_data/A/A/A/odd[1].json', JSON.stringify(goodSong('G1')));
    direct = await stage(data, 'direct');
  }, 120_000);

  test('once turned on, is the path a local source\'s event logs take, and hands the worker only the files it cannot read as they are', () => {
    expect(direct.beats.filter((b) => b.kind === 'events').every((b) => b.direct === true)).toBe(true);
    // Song files are staged by the worker (cheaper than DuckDB reading them; test/songStaging.test.ts).
    expect(direct.beats.filter((b) => b.kind === 'songs').some((b) => b.direct === true)).toBe(false);
    const finals = direct.beats.filter((b) => 'filesToWorker' in b).map((b) => ({ kind: b.kind, filesToWorker: b.filesToWorker }));
    // events: the NUL and the non-UTF-8 log.
    expect(finals).toEqual([{ kind: 'events', filesToWorker: 2 }]);
  });

  test('event rejects carry file, line and reason for each kind of bad line', () => {
    const rejects = direct.tables.rejects.filter((r) => r.kind === 'events').map((r) => [r.source_key, r.source_line, r.reason]);
    expect(rejects).toEqual([
      [mixed, 4, `line is ${overLong.length + 1} bytes long, more than the limit of ${MAX_LINE_BYTES}`], // with its CR
      [mixed, 5, 'invalid JSON'],
      [mixed, 6, 'not a JSON object'],
      [mixed, 7, 'not a JSON object'],
      [mixed, 9, expect.stringMatching(/^field "ts" should be a whole number, got "soon"/)],
      [nul, 2, 'line holds a NUL byte, which is not valid JSON text'],
      [notUtf8, 3, 'line is not valid UTF-8'],
    ]);
    const long = direct.tables.rejects.find((r) => r.source_line === 4)!;
    expect(String(long.raw)).toBe(overLong.slice(0, 65_536));
  });

  test('good lines stage with their own line numbers (BOM, CRLF, blank lines, no final newline)', () => {
    const lines = direct.tables.events.map((r) => [r.source_key, r.source_line, r.iteminsession]);
    expect(lines).toEqual([
      [mixed, 1, 1],
      [mixed, 8, 8],
      [mixed, 10, 10],
      [nul, 1, 1],
      [nul, 3, 3],
      [notUtf8, 1, 1],
      [notUtf8, 2, 2],
    ]);
    expect(direct.events).toMatchObject({ files: 3, recordsStaged: 7, recordsRejected: 7, recordsRead: 14 });
    expect(direct.events.bytes).toBe([mixed, nul, notUtf8].reduce((n, k) => n + fs.statSync(path.join(data, k)).size, 0));
  });

  test('song files: one record per object, on the line it starts; rejects with file and line', () => {
    expect(direct.tables.songs.map((r) => [r.source_key, r.source_line, r.song_id])).toEqual([
      ['song_data/A/A/A/array.json', 1, 'SOR1'],
      ['song_data/A/A/A/odd[1].json', 1, 'SOG1'],
      ['song_data/A/A/A/plain.json', 3, 'SOP1'],
      ['song_data/A/A/A/two.json', 1, 'SOT1'],
      ['song_data/A/A/A/two.json', 2, 'SOT2'],
    ]);
    expect(direct.tables.rejects.filter((r) => r.kind === 'songs').map((r) => [r.source_key, r.source_line, r.reason])).toEqual([
      ['song_data/A/A/A/array.json', 2, 'not a JSON object'],
      // Only whitespace: no record on any path, so the staging step keeps it as a reject.
      ['song_data/A/A/A/blank.json', 1, NO_RECORD_REASON],
      ['song_data/A/A/A/garbage.json', 1, expect.stringMatching(/^invalid JSON/)],
    ]);
  });

  test('stages the same rows and rejects as the worker streaming the same lines', async () => {
    const viaWorker = await stage(data, 'worker lines');
    expect(viaWorker.beats.some((b) => b.direct === true)).toBe(false);
    expect(comparable(direct.tables)).toEqual(comparable(viaWorker.tables));
    expect(direct.events).toEqual(viaWorker.events);
    expect(countsOf(direct.songs)).toEqual(countsOf(viaWorker.songs));
  }, 120_000);
});

test('the bad-input corpus: the same rows and rejects read by DuckDB as streamed by the worker', async () => {
  const data = path.join(tempDir(), 'corpus');
  writeBadInputCorpus(data);
  const direct = await stage(data, 'direct');
  const viaWorker = await stage(data, 'worker lines');
  expect(direct.tables.rejects.length).toBeGreaterThan(30);
  expect(comparable(direct.tables)).toEqual(comparable(viaWorker.tables));
  expect({ ...direct.events, bytes: 0 }).toEqual({ ...viaWorker.events, bytes: 0 });
  expect(countsOf(direct.songs)).toEqual(countsOf(viaWorker.songs));
}, 180_000);

/**
 * A batch whose typed stage staged every line skips the search for lines it left; a batch with
 * left lines does not (stageDirect.ts). Two batches of each kind, staged twice under one run id.
 */
test('batches with and without left lines: the same rows and rejects as the worker, and a rerun changes nothing', async () => {
  expect(EVENT_BATCH.files).toBe(4);
  const data = path.join(tempDir(), 'batches');
  const day = (d: number) => `log_data/2018/11/2018-11-${String(d).padStart(2, '0')}-events.json`;
  // Days 1-4: every line good (the first batch). Days 5-8: each with a line the typed stage leaves
  // to the checked SQL, which rejects it or stages it (a title of digits and dashes).
  for (let d = 1; d <= 4; d++) write(data, day(d), `${[1, 2, 3].map((i) => ok(d * 10 + i)).join('\n')}\n`);
  for (let d = 5; d <= 8; d++) {
    const left = d % 2 === 0 ? JSON.stringify(goodEvent(d * 10 + 2, { ts: 'soon' })) : JSON.stringify(goodEvent(d * 10 + 2, { song: '1-2-8' }));
    write(data, day(d), `${ok(d * 10 + 1)}\n${left}\n${ok(d * 10 + 3)}\n`);
  }
  const { resources, activities, opened, ref } = await listedRun(data, 'batches-run', true);
  const env = new MockActivityEnvironment();
  const rows = async () => ({
    events: await opened.query("SELECT * EXCLUDE (run_id) FROM staging_events WHERE run_id = 'batches-run' ORDER BY source_key, source_line"),
    rejects: await opened.query("SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = 'batches-run' ORDER BY source_key, source_line"),
  });
  const first = (await env.run(() => activities.stageEvents({ ...ref, maxRejectRate: 1 }))) as StageResult;
  const once = await rows();
  const again = (await env.run(() => activities.stageEvents({ ...ref, maxRejectRate: 1 }))) as StageResult;
  expect(await rows()).toEqual(once);
  expect(again).toEqual(first);
  await resources.close();

  expect(first).toMatchObject({ files: 8, recordsRead: 24, recordsStaged: 22, recordsRejected: 2 });
  expect(once.rejects.map((r) => [r.source_key, r.source_line])).toEqual([[day(6), 2], [day(8), 2]]);
  expect(once.events.filter((r) => r.source_line === 2 && String(r.source_key) >= day(5)).map((r) => [r.source_key, r.song])).toEqual([[day(5), '1-2-8'], [day(7), '1-2-8']]);
  const viaWorker = await stage(data, 'worker lines');
  expect(once.events).toEqual(viaWorker.tables.events);
  expect(once.rejects).toEqual(viaWorker.tables.rejects.map((r) => ({ source_key: r.source_key, source_line: r.source_line, reason: r.reason })));
}, 120_000);

test('the pool bound DuckDB prints, and the largest log it reads itself: half the pool, at most MAX_DIRECT_FILE_BYTES', () => {
  expect(poolBytes('128.0 MiB')).toBe(128 * 2 ** 20);
  expect(poolBytes('18.8 GiB')).toBeCloseTo(18.8 * 2 ** 30);
  expect(poolBytes('')).toBeUndefined();
  expect(directFileLimit(128 * 2 ** 20)).toBe(64 * 2 ** 20);
  expect(directFileLimit(18.8 * 2 ** 30)).toBe(MAX_DIRECT_FILE_BYTES);
  expect(directFileLimit(undefined)).toBe(MAX_DIRECT_FILE_BYTES);
});

/**
 * read_blob takes a file in one allocation (rounded up to a power of two) that must fit the pool:
 * under a 64 MiB pool a 36 MB log failed with "Out of Memory" before. Now such a log sends the
 * kind to the worker's parse, which streams.
 */
test('an event log over half of a bounded pool is staged the worker\'s way, not read whole by DuckDB', async () => {
  const data = path.join(tempDir(), 'big');
  const lines: string[] = [];
  for (let i = 1; Buffer.byteLength(lines.join('\n')) < 36_000_000; i++) lines.push(...Array.from({ length: 1000 }, (_, j) => ok(i * 1000 + j)));
  write(data, 'log_data/2018/11/2018-11-01-events.json', `${lines.join('\n')}\n`);
  write(data, 'log_data/2018/11/2018-11-02-events.json', `${ok(1)}\n{"page":\n`);
  const saved = process.env[MEMORY_LIMIT_ENV];
  process.env[MEMORY_LIMIT_ENV] = '64MiB';
  try {
    const { resources, activities, opened, ref } = await listedRun(data, 'big-run', true);
    const env = new MockActivityEnvironment();
    const beats: Record<string, unknown>[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d as Record<string, unknown>));
    const events = (await env.run(() => activities.stageEvents({ ...ref, maxRejectRate: 1 }))) as StageResult;
    const rejects = await opened.query("SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = 'big-run'");
    await resources.close();
    expect(beats.some((b) => b.direct === true)).toBe(false);
    expect(events).toMatchObject({ files: 2, recordsStaged: lines.length + 1, recordsRejected: 1 });
    expect(rejects).toEqual([{ source_key: 'log_data/2018/11/2018-11-02-events.json', source_line: 2, reason: expect.stringMatching(/^invalid JSON: /) }]); // the worker's parse names the error
  } finally {
    if (saved === undefined) delete process.env[MEMORY_LIMIT_ENV];
    else process.env[MEMORY_LIMIT_ENV] = saved;
  }
}, 120_000);
