/**
 * An aborted warehouse call (its activity cancelled, or its heartbeat timed out) commits nothing.
 * The abort cancels the statement running on the server, but one that lands between statements
 * finds nothing running to cancel: the call then went on to its next statements and committed.
 */
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import type { CopySegment, CopyTextStaging } from '../src/warehouse/copyTextStaging';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import type { Warehouse } from '../src/warehouse/types';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

let server: PgServer;
let postgres: PostgresWarehouse;
let duckdb: DuckDbWarehouse;

beforeAll(async () => {
  server = await startPostgres();
  postgres = new PostgresWarehouse(await createTestDatabase(server.url, 'aborted_call'));
  duckdb = await DuckDbWarehouse.open(':memory:');
  for (const w of [postgres, duckdb]) await w.execute(['CREATE TABLE written (n integer)']);
});

afterAll(async () => {
  await postgres?.close();
  await duckdb?.close();
  await server?.stop();
});

beforeEach(async () => {
  for (const w of [postgres, duckdb]) await w.execute(['DELETE FROM written']);
});

const rowsWritten = async (w: Warehouse) => (await w.query('SELECT COUNT(*) AS n FROM written'))[0].n;

test('PostgreSQL: an abort between two statements stops the call before the second, and the first is rolled back', async () => {
  const abort = new AbortController();
  const sent: number[] = [];
  // beforeStatement runs just before a statement is sent (PostgreSQL sends them one by one).
  const call = postgres.execute(['INSERT INTO written VALUES (1)', 'INSERT INTO written VALUES (2)'], {
    signal: abort.signal,
    beforeStatement: (index) => {
      if (index === 1) abort.abort();
      sent.push(index);
    },
  });
  await expect(call).rejects.toThrow(/abort/i);
  expect(sent).toEqual([0, 1]);
  expect(await rowsWritten(postgres)).toBe(0);
  // The warehouse goes on serving calls.
  await postgres.execute(['INSERT INTO written VALUES (3)']);
  expect(await rowsWritten(postgres)).toBe(1);
});

/** Staging's COPY segments: one row each, in text that both engines' loaders read the same. */
const segment = (n: number): CopySegment => ({ table: 'written', columns: ['n'], data: [Buffer.from(`${n}\n`)] });

describe.each([
  ['DuckDB', () => duckdb as Warehouse & CopyTextStaging],
  ['PostgreSQL', () => postgres as Warehouse & CopyTextStaging],
])('%s staging (COPY segments)', (_engine, warehouse) => {
  test('an abort while the next segment is prepared copies no more and commits nothing', async () => {
    const abort = new AbortController();
    async function* segments() {
      yield segment(1);
      abort.abort(); // as the producer works on the next one
      yield segment(2);
    }
    await expect(warehouse().stageCopySegments(segments(), { before: [], after: [] }, { signal: abort.signal })).rejects.toThrow(/abort/i);
    expect(await rowsWritten(warehouse())).toBe(0);
  });

  test('an abort after the last segment, with nothing left to run, commits nothing', async () => {
    const abort = new AbortController();
    async function* segments() {
      yield segment(1);
      abort.abort();
    }
    await expect(warehouse().stageCopySegments(segments(), { before: [], after: [] }, { signal: abort.signal })).rejects.toThrow(/abort/i);
    expect(await rowsWritten(warehouse())).toBe(0);
    await warehouse().stageCopySegments(
      (async function* () {
        yield segment(2);
      })(),
      { before: [], after: [] },
    );
    expect(await rowsWritten(warehouse())).toBe(1);
  });
});
