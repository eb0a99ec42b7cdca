import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { IdleFileRelease } from '../../src/activities/idleFileRelease';

/**
 * A worker lets go of each DuckDB file once no activity has held it for a while, per file: a long
 * step on one warehouse (a load at 1.6M events) must not keep another warehouse's file from
 * `sparkify sql` until the worker is idle.
 */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setUp() {
  const released: string[] = [];
  const waiters = new Map<string, () => void>();
  const idle = new IdleFileRelease(async (warehouse) => {
    released.push(warehouse);
    waiters.get(warehouse)?.();
  }, 5);
  const inbound = idle.interceptor()(undefined as never).inbound as ActivityInboundCallsInterceptor;
  /** Runs an "activity" through the worker's interceptor: it opens the warehouses, then waits for done. */
  const activity = (warehouses: string[], done: Promise<void>) =>
    inbound.execute!({} as ActivityExecuteInput, (async () => {
      for (const warehouse of warehouses) idle.hold(warehouse);
      await done;
    }) as Next<ActivityInboundCallsInterceptor, 'execute'>);
  const releaseOf = (warehouse: string) => new Promise<void>((resolve) => waiters.set(warehouse, resolve));
  return { released, activity, releaseOf, idle };
}

test('a file is let go while another file is busy with a long activity', async () => {
  const { released, activity, releaseOf } = setUp();
  const longOnA = deferred();
  const running = activity(['duckdb:a.duckdb'], longOnA.promise);
  const bReleased = releaseOf('duckdb:b.duckdb');
  await activity(['duckdb:b.duckdb'], Promise.resolve());
  await bReleased;
  expect(released).toEqual(['duckdb:b.duckdb']);

  const aReleased = releaseOf('duckdb:a.duckdb');
  longOnA.resolve();
  await running;
  await aReleased;
  expect(released).toEqual(['duckdb:b.duckdb', 'duckdb:a.duckdb']);
});

test('a file two activities hold is kept until both have ended; one opened outside an activity is not counted', async () => {
  const { released, activity, releaseOf, idle } = setUp();
  idle.hold('duckdb:outside.duckdb');
  const first = deferred();
  const second = deferred();
  const one = activity(['duckdb:a.duckdb', 'duckdb:a.duckdb'], first.promise);
  const two = activity(['duckdb:a.duckdb'], second.promise);
  first.resolve();
  await one;
  // The second activity still holds the file: a third one ending elsewhere shows time went by.
  const cReleased = releaseOf('duckdb:c.duckdb');
  await activity(['duckdb:c.duckdb'], Promise.resolve());
  await cReleased;
  expect(released).toEqual(['duckdb:c.duckdb']);

  const aReleased = releaseOf('duckdb:a.duckdb');
  second.resolve();
  await two;
  await aReleased;
  expect(released).toEqual(['duckdb:c.duckdb', 'duckdb:a.duckdb']);
});
