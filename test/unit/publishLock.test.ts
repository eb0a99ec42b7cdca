/**
 * Publish and schema locks are a capability of the warehouse (WriteLocking), not a dialect check in
 * the activities: PostgreSQL locks each publish step's tables in one global order; DuckDB needs none.
 */
import { lockStatements, schemaLockStatements } from '../../src/activities/publishLock';
import { ETL_DAG } from '../../src/etl/dag';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { PostgresWarehouse } from '../../src/warehouse/postgres';
import { hasWriteLocking } from '../../src/warehouse/types';

// No connection is made: the pool connects on a first query, and none runs here.
/** A statement without the header comment its SQL file gives it. */
const bare = (statements: string[]) => statements.map((s) => s.replace(/^(--.*\n)+/, ''));

const postgres = new PostgresWarehouse('postgres://nobody@127.0.0.1:1/none');
let duckdb: DuckDbWarehouse;
beforeAll(async () => {
  duckdb = await DuckDbWarehouse.open(':memory:');
});
afterAll(async () => {
  await postgres.close();
  await duckdb?.close();
});

test('PostgreSQL locks a publish step\'s tables, sorted, each SHARE ROW EXCLUSIVE', () => {
  expect(hasWriteLocking(postgres)).toBe(true);
  expect(bare(lockStatements(postgres, ETL_DAG.loadSongplays.writes))).toEqual([
    'LOCK TABLE "etl_load_ledger" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "songplays" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "time" IN SHARE ROW EXCLUSIVE MODE',
  ]);
  expect(lockStatements(postgres, ['time', 'artists'])).toHaveLength(2);
  expect(bare(schemaLockStatements(postgres))).toEqual(["SELECT pg_advisory_xact_lock(hashtext('sparkify-etl schema'))"]);
});

test('DuckDB takes no locks (one writer process per file)', () => {
  expect(hasWriteLocking(duckdb)).toBe(false);
  expect(lockStatements(duckdb, ETL_DAG.loadUsers.writes)).toEqual([]);
  expect(schemaLockStatements(duckdb)).toEqual([]);
});

test('a publish with no tables to lock is an error, never a publish without its locks', () => {
  expect(() => lockStatements(postgres, [])).toThrow('a publish step must lock the tables it writes');
});
