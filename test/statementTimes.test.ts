/**
 * `execute` reports each statement it ran and for how long (StatementOptions.statementDone), which
 * the publishes log when slow (src/activities/slowStatements.ts): DuckDB and PostgreSQL time each
 * statement as they send it, Redshift (the emulator) gives each statement of its batch the Data
 * API's own Duration.
 */
import { threeWarehousesInFile } from './support/threeWarehouses';

const warehouses = threeWarehousesInFile({ label: 'stmttimes', schema: [] });

test.each(['duckdb', 'postgres', 'redshift'])('%s: each statement of a transaction is reported once it has run, in order, with its run time', async (name) => {
  const warehouse = warehouses[name];
  const done: [number, number][] = [];
  await warehouse.execute(['CREATE TABLE timed_rows (n INTEGER)', 'INSERT INTO timed_rows VALUES (1), (2)', 'DROP TABLE timed_rows'], {
    statementDone: (index, ms) => done.push([index, ms]),
  });
  expect(done.map(([index]) => index)).toEqual([0, 1, 2]);
  for (const [, ms] of done) {
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(0);
  }
});

// On Redshift, through the emulator's pg_sleep (a test helper it allows: Redshift has no PG_SLEEP),
// the time is the Data API's Duration of that statement of the batch.
test.each(['postgres', 'redshift'])('%s: a statement that sleeps is reported with its sleep, the others without it', async (name) => {
  const warehouse = warehouses[name];
  const done: number[] = [];
  await warehouse.execute(['SELECT 1', 'SELECT pg_sleep(0.4)', 'SELECT 2'], { statementDone: (_index, ms) => done.push(ms) });
  expect(done).toHaveLength(3);
  expect(done[1]).toBeGreaterThanOrEqual(400);
  expect(done[0]).toBeLessThan(done[1]);
  expect(done[2]).toBeLessThan(done[1]);
});

test('a statement that fails is not reported; those before it are', async () => {
  const done: number[] = [];
  await expect(warehouses.duckdb.execute(['SELECT 1', 'SELECT * FROM no_such_table', 'SELECT 2'], { statementDone: (index) => done.push(index) })).rejects.toThrow(/no_such_table/);
  expect(done).toEqual([0]);
});
