/**
 * Publish and schema locks are a capability of the warehouse (WriteLocking), not a dialect check in
 * the activities: PostgreSQL locks each publish step's tables in one global order; DuckDB needs none.
 */
import { lockStatements, publishQueueTables, schemaLockStatements, serializedPublish } from '../../src/activities/publishLock';
import { ETL_DAG } from '../../src/etl/dag';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { PostgresWarehouse } from '../../src/warehouse/postgres';
import { hasSerializedWrites, hasWriteLocking } from '../../src/warehouse/types';

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
    'LOCK TABLE "etl_cross_day_plays" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "etl_load_ledger" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "etl_match_stats" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "etl_play_names" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "etl_songplay_names" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "etl_unmatched_plays" IN SHARE ROW EXCLUSIVE MODE',
    'LOCK TABLE "songplays" IN SHARE ROW EXCLUSIVE MODE',
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

/** A publish's work that records when it starts and ends, and ends only when released. */
function heldWork(log: string[], name: string) {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const work = async () => {
    log.push(`${name} start`);
    started();
    await released;
    log.push(`${name} end`);
  };
  return { work, running, release };
}

type Publish = [name: string, tables: readonly string[] | undefined];

/**
 * Two held publishes on DuckDB, the second started after the first, each queued by its tables; the
 * second is released first. The log once the first runs and the second had its chance to start,
 * and the log at the end.
 */
async function releasedOutOfOrder([firstName, firstTables]: Publish, [secondName, secondTables]: Publish): Promise<{ whileFirstHeld: string[]; done: string[] }> {
  const log: string[] = [];
  const first = heldWork(log, firstName);
  const second = heldWork(log, secondName);
  const firstDone = serializedPublish(duckdb, first.work, firstTables);
  const secondDone = serializedPublish(duckdb, second.work, secondTables);
  await first.running;
  second.release();
  await new Promise((resolve) => setImmediate(resolve));
  const whileFirstHeld = [...log];
  first.release();
  await Promise.all([firstDone, secondDone]);
  return { whileFirstHeld, done: log };
}

test('publishes to one DuckDB database run one after another (SerializedWrites); PostgreSQL ones overlap', async () => {
  expect(hasSerializedWrites(duckdb)).toBe(true);
  expect(hasSerializedWrites(postgres)).toBe(false);

  // b is queued behind a: releasing b first must not let it start.
  const { whileFirstHeld, done } = await releasedOutOfOrder(['a', undefined], ['b', undefined]);
  expect(whileFirstHeld).toEqual(['a start']);
  expect(done).toEqual(['a start', 'a end', 'b start', 'b end']);

  const overlap: string[] = [];
  const c = heldWork(overlap, 'c');
  const d = heldWork(overlap, 'd');
  const both = Promise.all([serializedPublish(postgres, c.work), serializedPublish(postgres, d.work)]);
  await Promise.all([c.running, d.running]);
  expect(overlap).toEqual(['c start', 'd start']);
  c.release();
  d.release();
  await both;
});

test('DuckDB publishes of different tables overlap; one that shares a table, or names none, waits for the earlier ones', async () => {
  const log: string[] = [];
  const songs = heldWork(log, 'songs');
  const users = heldWork(log, 'users');
  const songs2 = heldWork(log, 'songs again');
  const all = heldWork(log, 'every table');
  const songsDone = serializedPublish(duckdb, songs.work, ETL_DAG.loadSongs.writes);
  const usersDone = serializedPublish(duckdb, users.work, ETL_DAG.loadUsers.writes);
  const songs2Done = serializedPublish(duckdb, songs2.work, ['songs']);
  const allDone = serializedPublish(duckdb, all.work);
  // Different tables: both run at once.
  await Promise.all([songs.running, users.running]);
  songs2.release();
  all.release();
  await new Promise((resolve) => setImmediate(resolve));
  expect(log).toEqual(['songs start', 'users start']);
  // The same table: after the first songs publish, not after users.
  songs.release();
  await songs2Done;
  expect(log).toEqual(['songs start', 'users start', 'songs end', 'songs again start', 'songs again end']);
  // No tables named: after every earlier publish.
  await new Promise((resolve) => setImmediate(resolve));
  expect(log).not.toContain('every table start');
  users.release();
  await Promise.all([songsDone, usersDone, songs2Done, allDone]);
  expect(log.slice(-3)).toEqual(['users end', 'every table start', 'every table end']);
});

// The ETL's publishes queue by publishQueueTables: on DuckDB, side by side at 8M events they ran out
// of the worker's 128 MiB pool, so there each waits for every earlier one.
test("a run's publishes on DuckDB take turns whatever tables they write; PostgreSQL's name their tables", async () => {
  expect(publishQueueTables(postgres, ETL_DAG.loadUsers.writes)).toEqual(ETL_DAG.loadUsers.writes);
  expect(publishQueueTables(duckdb, ETL_DAG.loadUsers.writes)).toBeUndefined();
  // users writes none of songplays' tables, and still waits.
  const { whileFirstHeld, done } = await releasedOutOfOrder(
    ['songplays', publishQueueTables(duckdb, ETL_DAG.loadSongplays.writes)],
    ['users', publishQueueTables(duckdb, ETL_DAG.loadUsers.writes)],
  );
  expect(whileFirstHeld).toEqual(['songplays start']);
  expect(done).toEqual(['songplays start', 'songplays end', 'users start', 'users end']);
});
