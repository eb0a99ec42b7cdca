/**
 * An aborted warehouse call cancels its statement on the server (an activity's cancellation or
 * heartbeat timeout aborts it). The cancel must get through while every pooled connection is busy:
 * sent through the pool, it waited for a free connection, and with all of them queued on a lock it
 * waited as long as they did.
 */
import pg from 'pg';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { deadline, lockWaitObserver, type LockWaitObserver } from './support/waits';
import { pollUntil } from './support/poll';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

/** The connections each PostgresWarehouse pool holds (src/warehouse/postgres.ts). */
const POOL_SIZE = 8;
/** Far longer than a cancel takes: a cancel that waits for the lock shows as this. */
const HUNG_MS = 30_000;

let server: PgServer;
let url: string;
/** Holds a lock on `blocker` until the test ends: the pool's statements queue on it. */
let holder: pg.Client;
let observer: LockWaitObserver;

beforeAll(async () => {
  server = await startPostgres();
  url = await createTestDatabase(server.url, 'cancel');
  holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('CREATE TABLE blocker (n integer)');
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE blocker IN ACCESS EXCLUSIVE MODE');
  observer = await lockWaitObserver(url);
});

afterAll(async () => {
  await holder?.end().catch(() => undefined);
  await observer?.end();
  await server?.stop();
});

const waitingOnLock = () => observer.waiting();

test('an aborted statement is cancelled while every pooled connection waits on a lock', async () => {
  const warehouse = new PostgresWarehouse(url);
  const aborts = Array.from({ length: POOL_SIZE }, () => new AbortController());
  const queued = aborts.map((abort) => warehouse.query('SELECT COUNT(*) AS n FROM blocker', { signal: abort.signal }).then(
    () => 'answered',
    (err: Error) => err.message,
  ));
  try {
    await pollUntil('every pooled connection to wait on the lock', async () => ((await waitingOnLock()) === POOL_SIZE ? true : undefined), { timeoutMs: 30_000 });

    aborts[0].abort();
    expect(await deadline(queued[0], HUNG_MS, `the aborted statement still waited on the lock after ${HUNG_MS / 1000} s: its cancel waited for a pooled connection`)).toMatch(
      /cancel/i,
    );
    expect(await waitingOnLock()).toBe(POOL_SIZE - 1);

    // A streamed query (its own pool) is cancelled the same way while the main pool is full.
    const streamAbort = new AbortController();
    const streamed = (async () => {
      for await (const rows of warehouse.queryChunks('SELECT n FROM blocker', { signal: streamAbort.signal })) void rows;
    })().then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await pollUntil('the streamed query to wait on the lock', async () => ((await waitingOnLock()) === POOL_SIZE ? true : undefined), { timeoutMs: 30_000 });
    streamAbort.abort();
    expect(await deadline(streamed, HUNG_MS, `the aborted streamed query still waited after ${HUNG_MS / 1000} s`)).toMatch(/cancel/i);
  } finally {
    await holder.query('COMMIT');
    await Promise.all(queued);
    await warehouse.close();
  }
});
