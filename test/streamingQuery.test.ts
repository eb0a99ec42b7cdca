/**
 * Queries whose results can grow with the input are read a chunk at a time where the engine can
 * stream (src/warehouse/streamingQuery.ts): DuckDB hands over its vectors, PostgreSQL reads a
 * cursor. The run's file list is one (src/activities/ledger.ts: runFileKeys): read whole, a first
 * run's million song keys took 330 MiB of heap on DuckDB and 147 MiB on PostgreSQL on the way to the
 * 61 MiB the keys hold.
 */
import { runFileKeys } from '../src/activities/ledger';
import { sqlStatements } from '../src/warehouse/sql';
import { hasStreamingQuery, type StreamingQuery } from '../src/warehouse/streamingQuery';
import type { Row, StatementOptions, Warehouse } from '../src/warehouse/types';
import { duckDbAndPostgres } from './support/duckDbAndPostgres';

/** The rows a chunk holds at most on both engines. */
const CHUNK_ROWS = 2048;
/** More rows than two chunks. */
const ROWS = 5_000;

type Streaming = Warehouse & StreamingQuery;

describe.each(duckDbAndPostgres('streaming'))('%s', (_name, open) => {
  let warehouse: Streaming;

  beforeAll(async () => {
    const opened = await open();
    if (!hasStreamingQuery(opened)) throw new Error(`${opened.dialect} does not stream a query`);
    warehouse = opened;
    await warehouse.execute(sqlStatements('schema/etl_tables', warehouse.dialect));
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

  test("the run's file list comes a chunk at a time: every key of the run and kind, in key order, never read as one result", async () => {
    const wholeReads: string[] = [];
    const chunks: number[] = [];
    const observed = Object.create(warehouse) as Streaming;
    observed.query = (sql: string, options?: StatementOptions): Promise<Row[]> => {
      wholeReads.push(sql);
      return warehouse.query(sql, options);
    };
    observed.queryChunks = async function* (sql: string, options?: StatementOptions) {
      for await (const chunk of warehouse.queryChunks(sql, options)) {
        chunks.push(chunk.length);
        yield chunk;
      }
    };

    const keys = await runFileKeys(observed, 'run-a', 'songs');
    expect(keys).toEqual(Array.from({ length: ROWS }, (_, i) => `song_data/A/B/C/TR${String(i).padStart(6, '0')}.json`));
    expect(wholeReads).toEqual([]);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(CHUNK_ROWS);

    expect(await runFileKeys(observed, 'run-a', 'events')).toHaveLength(30);
  });
});
