/**
 * The listing holds one batch of files, never the whole source: each batch is recorded in the
 * warehouse (etl_run_files, etl_skipped_files) before the next is listed, and a local source is
 * walked one directory at a time, in key order. What the step returns is counts and samples.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRunFiles } from '../src/activities/runFileList';
import { SONG_FILE_LAYOUT } from '../src/activities/listing';
import { bothListingParts, SKIPPED_SAMPLE_LIMIT } from '../src/etl/listedFiles';
import { EVENT_LOG_LAYOUT, LocalSource, type Source, type SourceObject } from '../src/source';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { RULES_VERSION } from '../src/etl/versions';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';

const SONGS = 600;
const MISNAMED = 30;
const BATCH = 50;

let tmp: string;
let w: Warehouse;

const at = (key: string) => path.join(tmp, ...key.split('/'));
function write(key: string, text: string): void {
  fs.mkdirSync(path.dirname(at(key)), { recursive: true });
  fs.writeFileSync(at(key), text);
}
const songKey = (i: number) => `song_data/${'ABC'[i % 3]}/${'DEF'[(i >> 2) % 3]}/G/TR${String(i).padStart(6, '0')}.json`;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-listing-'));
  for (let i = 0; i < SONGS; i++) write(songKey(i), `{"song_id":"S${i}"}`);
  for (let i = 0; i < MISNAMED; i++) write(`song_data/A/D/G/extra/nested${i}.txt`, 'x');
  write('log_data/2018/11/2018-11-01-events.json', '{}\n');
  w = await DuckDbWarehouse.open(':memory:');
  await w.execute([...sqlStatements('schema/etl_tables', w.dialect), ...sqlStatements('schema/etl_skipped_files', w.dialect), ...sqlStatements('schema/etl_versions', w.dialect)]);
});
afterAll(async () => {
  await w?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * The source, counting objects it has handed out, and the warehouse, counting the listing's rows
 * it has taken: their difference is what the listing holds at any moment.
 */
function instrumented(source: Source, warehouse: Warehouse) {
  const held = { listed: 0, recorded: 0, most: 0 };
  const countingSource: Source = Object.assign(Object.create(source) as Source, {
    async *list(prefix: string): AsyncIterable<SourceObject> {
      for await (const obj of source.list(prefix)) {
        held.listed++;
        held.most = Math.max(held.most, held.listed - held.recorded);
        yield obj;
      }
    },
  });
  const countingWarehouse: Warehouse = Object.assign(Object.create(warehouse) as Warehouse, {
    async appendRows(...args: Parameters<Warehouse['appendRows']>): Promise<number> {
      const [table, , rows] = args;
      const list = [...(rows as Iterable<unknown>)];
      const count = await warehouse.appendRows(table, args[1], list as never, args[3]);
      if (table === 'etl_run_files' || table === 'etl_skipped_files') held.recorded += count;
      return count;
    },
  });
  return { held, source: countingSource, warehouse: countingWarehouse };
}

describe('listing in batches', () => {
  test('records every file, holding at most one batch of them at a time', async () => {
    const { held, source, warehouse } = instrumented(new LocalSource(tmp), w);
    const batches: number[] = [];
    const listed = await listRunFiles({ source, warehouse, runId: 'batched', window: null, batchFiles: BATCH, onBatch: (n) => batches.push(n) });

    expect(listed).toMatchObject({ eventFiles: 1, songFiles: SONGS, songFilesUnchanged: 0, skippedFiles: MISNAMED, eventBytes: 3 });
    expect(listed.skippedSamples).toHaveLength(SKIPPED_SAMPLE_LIMIT);
    expect(held.listed).toBe(SONGS + MISNAMED + 1);
    // Without batches the whole listing (631 files) was held before the first row was written.
    expect(held.most).toBeLessThanOrEqual(BATCH);
    expect(batches.length).toBe(Math.ceil(held.listed / BATCH));
    expect(Math.max(...batches)).toBeLessThanOrEqual(BATCH);

    const [files] = await w.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT source_key) AS keys FROM etl_run_files WHERE run_id = 'batched'`);
    expect(Number(files.n)).toBe(SONGS + 1);
    expect(Number(files.keys)).toBe(SONGS + 1);
    const [skipped] = await w.query(`SELECT COUNT(*) AS n FROM etl_skipped_files WHERE run_id = 'batched'`);
    expect(Number(skipped.n)).toBe(MISNAMED);
  });

  test('a retried listing replaces its earlier lists, and song files the ledger holds unchanged are left out', async () => {
    // A completed run loaded the first 100 song files under this release's rules, one of them since changed.
    await w.execute([
      `INSERT INTO etl_runs (run_id, status) VALUES ('before', 'completed')`,
      `INSERT INTO etl_run_rules (run_id, rules_version) VALUES ('before', ${RULES_VERSION})`,
      `INSERT INTO etl_load_ledger (kind, source_key, etag, size, run_id)
       SELECT kind, source_key, CASE WHEN source_key = '${songKey(0)}' THEN 'changed' ELSE etag END, size, 'before'
       FROM etl_run_files WHERE run_id = 'batched' AND kind = 'songs' AND source_key IN (${Array.from({ length: 100 }, (_, i) => `'${songKey(i)}'`).join(', ')})`,
    ]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const listed = await listRunFiles({ source: new LocalSource(tmp), warehouse: w, runId: 'again', window: null, batchFiles: BATCH });
      expect(listed).toMatchObject({ songFiles: SONGS - 99, songFilesUnchanged: 99, skippedFiles: MISNAMED });
    }
    const [files] = await w.query(`SELECT COUNT(*) AS n FROM etl_run_files WHERE run_id = 'again'`);
    expect(Number(files.n)).toBe(SONGS - 99 + 1);
    const [skipped] = await w.query(`SELECT COUNT(*) AS n FROM etl_skipped_files WHERE run_id = 'again'`);
    expect(Number(skipped.n)).toBe(MISNAMED);
  });
});

describe('the listing in two parts (event logs; song files and the rest)', () => {
  let root: string;
  const files = {
    'log_data/2018/11/2018-11-01-events.json': '{}\n',
    'log_data/2018/11/2018-11-02-events.json': '{}\n',
    'log_data/2018/12/2018-12-01-events.json': '{}\n',
    'log_data/2018/11/notes.json': '{}\n',
    'song_data/A/B/C/TRA.json': '{}',
    'song_data/A/B/C/TRB.json': '{}',
    'song_data/A/B/TRC.json': '{}',
    'readme.txt': 'x',
  };
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-parts-'));
    for (const [key, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
      fs.writeFileSync(path.join(root, key), text);
    }
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const rows = async (runId: string) => ({
    files: (await w.query(`SELECT kind, source_key FROM etl_run_files WHERE run_id = '${runId}' ORDER BY source_key`)).map((r) => `${String(r.kind)} ${String(r.source_key)}`),
    skipped: (await w.query(`SELECT kind, source_key, reason FROM etl_skipped_files WHERE run_id = '${runId}' ORDER BY source_key`)).map(
      (r) => `${String(r.kind)} ${String(r.source_key)}: ${String(r.reason)}`,
    ),
  });

  test.each([
    ['without a window', null],
    ['with a window', { from: '2018-11-01', to: '2018-11-30' }],
  ])('%s, the two parts list what one listing of both does, each file once, and a retried part replaces only its own', async (_name, window) => {
    const source = new LocalSource(root);
    const id = (suffix: string) => `parts-${window ? 'window' : 'all'}-${suffix}`;
    const both = await listRunFiles({ source, warehouse: w, runId: id('both'), window });
    const events = await listRunFiles({ source, warehouse: w, runId: id('parts'), window, part: 'events' });
    const songs = await listRunFiles({ source, warehouse: w, runId: id('parts'), window, part: 'songs' });
    // The song files' part again (a retried attempt), then the event logs' part again.
    await listRunFiles({ source, warehouse: w, runId: id('parts'), window, part: 'songs' });
    await listRunFiles({ source, warehouse: w, runId: id('parts'), window, part: 'events' });

    expect(await rows(id('parts'))).toEqual(await rows(id('both')));
    expect(events).toMatchObject({ eventFiles: window ? 2 : 3, songFiles: 0, skippedFiles: 1 });
    expect(songs).toMatchObject({ eventFiles: 0, songFiles: 2, skippedFiles: window ? 1 : 2 });
    expect(bothListingParts(events, songs)).toEqual(both);
    expect(await rows(id('both'))).toEqual({
      files: [
        ...(window ? ['events log_data/2018/11/2018-11-01-events.json', 'events log_data/2018/11/2018-11-02-events.json'] : [
          'events log_data/2018/11/2018-11-01-events.json',
          'events log_data/2018/11/2018-11-02-events.json',
          'events log_data/2018/12/2018-12-01-events.json',
        ]),
        'songs song_data/A/B/C/TRA.json',
        'songs song_data/A/B/C/TRB.json',
      ],
      skipped: [
        `events log_data/2018/11/notes.json: name does not fit ${EVENT_LOG_LAYOUT}`,
        ...(window ? [] : ['other readme.txt: outside log_data/ and song_data/']),
        `songs song_data/A/B/TRC.json: name does not fit ${SONG_FILE_LAYOUT}`,
      ],
    });
  });
});

test("a listing of both parts creates etl_skipped_files, which createSchema did not before (a run in flight across the change)", async () => {
  const older = await DuckDbWarehouse.open(':memory:');
  try {
    await older.execute(sqlStatements('schema/etl_tables', older.dialect));
    const listed = await listRunFiles({ source: new LocalSource(tmp), warehouse: older, runId: 'older', window: null, batchFiles: BATCH });
    expect(listed).toMatchObject({ eventFiles: 1, songFiles: SONGS, skippedFiles: MISNAMED });
    expect(await older.query("SELECT count(*) AS n FROM etl_skipped_files WHERE run_id = 'older'")).toEqual([{ n: MISNAMED }]);
  } finally {
    await older.close();
  }
});

describe('a local source walks its tree one directory at a time', () => {
  test('yields keys in key order, reading each directory only when the walk reaches it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-walk-'));
    try {
      // A directory sorts as its name plus '/': 'a.json' < 'a/…' < 'a0.json' in key order.
      for (const key of ['a.json', 'a/x.json', 'a/y/z.json', 'a0.json', 'b/c.json']) {
        fs.mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
        fs.writeFileSync(path.join(root, key), '{}');
      }
      const keys: string[] = [];
      for await (const obj of new LocalSource(root).list('')) {
        // Written once the walk is under way: a listing that read the whole tree first never sees it.
        if (obj.key === 'a.json') fs.writeFileSync(path.join(root, 'b', 'd.json'), '{}');
        keys.push(obj.key);
      }
      expect(keys).toEqual(['a.json', 'a/x.json', 'a/y/z.json', 'a0.json', 'b/c.json', 'b/d.json']);
      expect([...keys].sort()).toEqual(keys);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
