/**
 * A run's file list is read back for staging (src/activities/ledger.ts: runFileKeys). On DuckDB it
 * streams, a chunk at a time, instead of being read as one result: read whole, a first run's
 * million song keys took 330 MiB of heap on the way to the 61 MiB the keys hold.
 */
import { runFileKeys } from '../../src/activities/ledger';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';
import type { Row, StatementOptions } from '../../src/warehouse/types';

/** More keys than two of DuckDB's chunks (2,048 rows each). */
const KEYS = 5_000;

let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open(':memory:');
  await warehouse.execute(sqlStatements('schema/etl_tables', 'duckdb'));
  // The run's song files, inserted out of order, beside its event logs and another run's songs.
  await warehouse.execute([
    `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'run-a', 'songs', 'song_data/A/B/C/TR' || lpad(CAST((i * 7919) % ${KEYS} AS VARCHAR), 6, '0') || '.json', 100 FROM range(${KEYS}) t(i)`,
    `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'run-a', 'events', 'log_data/2018/11/2018-11-' || lpad(CAST(i + 1 AS VARCHAR), 2, '0') || '-events.json', 100 FROM range(30) t(i)`,
    `INSERT INTO etl_run_files (run_id, kind, source_key, size) SELECT 'run-b', 'songs', 'song_data/Z/Z/Z/TR' || i || '.json', 100 FROM range(100) t(i)`,
  ]);
});

afterAll(async () => {
  await warehouse.close();
});

test('DuckDB hands over a run\'s file list a chunk at a time: every key of the run and kind, in key order, never read as one result', async () => {
  const wholeReads: string[] = [];
  const chunks: number[] = [];
  const observed = Object.create(warehouse) as DuckDbWarehouse;
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
  const expected = Array.from({ length: KEYS }, (_, i) => `song_data/A/B/C/TR${String(i).padStart(6, '0')}.json`);
  expect(keys).toEqual(expected);
  expect(wholeReads).toEqual([]);
  expect(chunks.length).toBeGreaterThanOrEqual(3);
  expect(Math.max(...chunks)).toBeLessThanOrEqual(2048);

  expect(await runFileKeys(observed, 'run-a', 'events')).toHaveLength(30);
});
