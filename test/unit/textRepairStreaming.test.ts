/**
 * repairText's read of a run's distinct texts holds a bounded number of values in the worker on
 * DuckDB (src/activities/textRepairRows.ts, Warehouse.queryChunks): one streamed query
 * read a chunk at a time, not pages of TEXT_REPAIR_PAGE_ROWS values, whose garbage stayed in V8's
 * heap through the publishes after it (the 8M run's memory peak, docs/performance-log.md).
 */
import { storeRepairedText, textCandidatePages, TEXT_REPAIR_PAGE_BYTES, TEXT_REPAIR_PAGE_ROWS } from '../../src/activities/textRepairRows';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';

/** DuckDB's vector size: the rows of one streamed chunk. */
const CHUNK_ROWS = 2048;
/** More values than a page holds, so the paged read would hold TEXT_REPAIR_PAGE_ROWS at once. */
const VALUES = TEXT_REPAIR_PAGE_ROWS + 30_000;

let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open(':memory:');
  await warehouse.execute(sqlStatements('schema/etl_tables', 'duckdb'));
  // The run's candidates, as text_candidates.sql leaves them (no repaired form yet), and another run's.
  await warehouse.execute([
    `INSERT INTO etl_text_repairs (run_id, kind, raw) SELECT 'run-a', CASE WHEN i % 3 = 0 THEN 'user_agent' ELSE 'text' END, 'Name ' || i FROM range(${VALUES}) t(i)`,
    `INSERT INTO etl_text_repairs (run_id, kind, raw) SELECT 'run-b', 'text', 'Other ' || i FROM range(1000) t(i)`,
  ]);
});

afterAll(async () => {
  await warehouse.close();
});

// How a streamed query itself behaves (chunks, order, stopping early, failing) on DuckDB and
// PostgreSQL: test/streamingQuery.test.ts.

test('the run\'s text candidates come a chunk at a time, however large the page size, all of them, in (kind, raw) order', async () => {
  const sizes: number[] = [];
  const seen: string[] = [];
  for await (const page of textCandidatePages(warehouse, 'run-a')) {
    sizes.push(page.length);
    for (const value of page) seen.push(`${value.kind}\u0000${value.raw}`);
  }
  expect(seen.length).toBe(VALUES);
  expect(new Set(seen).size).toBe(VALUES);
  expect(seen.every((v) => v.includes('Name '))).toBe(true);
  expect([...seen].sort()).toEqual(seen);
  // The bound: what the worker holds at once is a chunk, not a page of TEXT_REPAIR_PAGE_ROWS values.
  expect(Math.max(...sizes)).toBeLessThanOrEqual(CHUNK_ROWS);
});

test('a page size below a chunk still bounds every page', async () => {
  const sizes: number[] = [];
  for await (const page of textCandidatePages(warehouse, 'run-b', { rows: 300, bytes: TEXT_REPAIR_PAGE_BYTES })) sizes.push(page.length);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(300);
});

test('repairing the streamed candidates stores one row per value, and a rerun the same', async () => {
  const first = await storeRepairedText(warehouse, 'run-a');
  expect(first.distinctValues).toBe(VALUES);
  const count = async () => Number((await warehouse.query("SELECT count(*) AS n FROM etl_text_repairs WHERE run_id = 'run-a' AND match_key IS NOT NULL"))[0].n);
  expect(await count()).toBe(VALUES);
  const again = await storeRepairedText(warehouse, 'run-a');
  expect(again).toEqual(first);
  expect(await count()).toBe(VALUES);
});
