/**
 * Queries whose results can grow with the input are read a chunk at a time (Warehouse.queryChunks):
 * DuckDB hands over its vectors, PostgreSQL reads a cursor. The run's file list is one (src/activities/ledger.ts: listedKeys), and song staging reads
 * it as it goes: read whole, a first run's million song keys took 330 MiB of heap on DuckDB and
 * 147 MiB on PostgreSQL on the way to the 61 MiB the keys hold, all of which staging then kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listedKeys } from '../src/activities/ledger';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { LocalSource } from '../src/source';
import { LOCAL_READERS } from '../src/source/localReaders';
import type { FileRead } from '../src/source/types';
import { gatherKeys } from '../src/staging/listedKeys';
import { stageInWarehouse } from '../src/staging/stageInWarehouse';
import { sqlStatements } from '../src/warehouse/sql';
import { hasChunkedStaging, type ChunkedStaging, type Row, type StatementOptions, type Warehouse } from '../src/warehouse/types';
import { goodSong } from './support/badInputCorpus';
import { duckDbAndPostgres } from './support/duckDbAndPostgres';

/** The rows a chunk holds at most on both engines. */
const CHUNK_ROWS = 2048;
/** More rows than two chunks. */
const ROWS = 5_000;

type Staging = Warehouse & ChunkedStaging;

describe.each(duckDbAndPostgres('streaming'))('%s', (_name, open) => {
  let warehouse: Staging;

  beforeAll(async () => {
    const opened = await open();
    if (!hasChunkedStaging(opened)) throw new Error(`${opened.dialect} should offer chunked staging`);
    warehouse = opened;
    await warehouse.execute(SCHEMA_FILES.flatMap((name) => sqlStatements(`schema/${name}`, warehouse.dialect)));
    // A run's song files, inserted out of order, beside its event logs and another run's songs.
    await warehouse.execute([
      `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'run-a', 'songs', 'song_data/A/B/C/TR' || lpad(CAST((i * 7919) % ${ROWS} AS VARCHAR), 6, '0') || '.json', 100 FROM generate_series(0, ${ROWS - 1}) AS t(i)`,
      `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'run-a', 'events', 'log_data/2018/11/2018-11-' || lpad(CAST(i + 1 AS VARCHAR), 2, '0') || '-events.json', 100 FROM generate_series(0, 29) AS t(i)`,
      `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'run-b', 'songs', 'song_data/Z/Z/Z/TR' || CAST(i AS VARCHAR) || '.json', 100 FROM generate_series(0, 99) AS t(i)`,
    ]);
  });

  afterAll(async () => {
    await warehouse?.close();
  });

  // A song file for each of run-a's song keys.
  let songDir: string;
  beforeAll(() => {
    songDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-streamed-keys-'));
    fs.mkdirSync(path.join(songDir, 'song_data', 'A', 'B', 'C'), { recursive: true });
    for (let i = 0; i < ROWS; i++) {
      const id = `TR${String(i).padStart(6, '0')}`;
      fs.writeFileSync(path.join(songDir, 'song_data', 'A', 'B', 'C', `${id}.json`), JSON.stringify(goodSong(id)));
    }
  });
  afterAll(() => fs.rmSync(songDir, { recursive: true, force: true }));

  test('a streamed query gives every row, in chunks of at most 2,048, in the query order', async () => {
    const sizes: number[] = [];
    const values: number[] = [];
    for await (const chunk of warehouse.queryChunks(`SELECT i FROM generate_series(0, ${ROWS - 1}) AS t(i) ORDER BY i`)) {
      sizes.push(chunk.length);
      for (const row of chunk) values.push(Number(row.i));
    }
    expect(values).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(CHUNK_ROWS);
  });

  test('a streamed query stopped early frees its connection (more times than the pool holds), and a failing one throws', async () => {
    for (let i = 0; i < 12; i++) {
      for await (const chunk of warehouse.queryChunks(`SELECT i FROM generate_series(0, ${ROWS - 1}) AS t(i)`)) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
    }
    const [row] = await warehouse.query('SELECT 1 AS one');
    expect(row.one).toBe(1);
    const failing = async () => {
      for await (const chunk of warehouse.queryChunks('SELECT * FROM no_such_table')) void chunk;
    };
    await expect(failing()).rejects.toThrow(/no_such_table/);
    const [again] = await warehouse.query('SELECT 2 AS two');
    expect(again.two).toBe(2);
  });

  test("song staging takes the run's file list a chunk at a time as it reads the files, never as one result", async () => {
    const wholeReads: string[] = [];
    let keysFetched = 0;
    const observed = Object.create(warehouse) as Staging;
    observed.query = (sql: string, options?: StatementOptions): Promise<Row[]> => {
      wholeReads.push(sql);
      return warehouse.query(sql, options);
    };
    observed.queryChunks = async function* (sql: string, options?: StatementOptions) {
      for await (const chunk of warehouse.queryChunks(sql, options)) {
        if (sql.includes('SELECT source_key FROM etl_run_files')) keysFetched += chunk.length;
        yield chunk;
      }
    };
    // How far the keys fetched from the warehouse run ahead of the song files read (by the local
    // reader pool, which takes its keys a few batches ahead: src/source/localReaders.ts).
    const local = new LocalSource(songDir);
    const source = Object.create(local) as LocalSource;
    let reads = 0;
    let mostAhead = 0;
    source.readAheadUpTo = (files, cap) =>
      (async function* () {
        for await (const entry of local.readAheadUpTo(files, cap)) {
          mostAhead = Math.max(mostAhead, keysFetched - reads);
          reads++;
          yield entry;
        }
      })();

    const keys = await listedKeys(observed, 'run-a', 'songs');
    expect(keys.count).toBe(ROWS);
    const result = await stageInWarehouse({ runId: 'run-a', kind: 'songs', keys, source, warehouse: observed, heartbeat: () => undefined });
    expect(result).toMatchObject({ files: ROWS, recordsStaged: ROWS, recordsRejected: 0 });
    expect(reads).toBe(ROWS);
    expect(keysFetched).toBe(ROWS);
    expect(mostAhead).toBeLessThanOrEqual(CHUNK_ROWS + 2 * LOCAL_READERS.readers * LOCAL_READERS.batchFiles);
    expect(wholeReads.filter((sql) => sql.includes('SELECT source_key FROM etl_run_files'))).toEqual([]);
    const [staged] = await warehouse.query("SELECT COUNT(DISTINCT source_key) AS files FROM staging_songs WHERE run_id = 'run-a'");
    expect(Number(staged.files)).toBe(ROWS);

    const events = await listedKeys(observed, 'run-a', 'events');
    expect(events.count).toBe(30);
    expect(await gatherKeys(events.read())).toEqual(Array.from({ length: 30 }, (_, i) => `log_data/2018/11/2018-11-${String(i + 1).padStart(2, '0')}-events.json`));
  });

  test('a song staging that fails part way stops reading the file list and frees its connection (more times than the pool holds)', async () => {
    const local = new LocalSource(songDir);
    const failing = Object.create(local) as LocalSource;
    const badKey = `song_data/A/B/C/TR${String(CHUNK_ROWS + 500).padStart(6, '0')}.json`;
    failing.readAheadUpTo = (files, cap) =>
      (async function* (): AsyncGenerator<[string, FileRead]> {
        for await (const [key, read] of local.readAheadUpTo(files, cap)) yield [key, key === badKey ? { error: new Error(`cannot read ${key}`) } : read];
      })();
    for (let i = 0; i < 12; i++) {
      const keys = await listedKeys(warehouse, 'run-a', 'songs');
      await expect(stageInWarehouse({ runId: 'run-a', kind: 'songs', keys, source: failing, warehouse, heartbeat: () => undefined })).rejects.toThrow(
        `cannot read ${badKey}`,
      );
    }
    const [row] = await warehouse.query('SELECT 1 AS one');
    expect(row.one).toBe(1);
  });
});
