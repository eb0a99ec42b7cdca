/**
 * Work run a few at a time (src/util/lanes.ts: the report's queries, the quality checks): never more than asked, each
 * result under its own name, and a failure stops the queries not yet started.
 */
import { runConcurrently, runInLanes } from '../../src/util/lanes';

/** A query whose completion the test controls, recording when it ran. */
function controlled() {
  const running = new Set<string>();
  const started: string[] = [];
  const finish = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  let peak = 0;
  const run = (name: string) =>
    new Promise<string>((resolve, reject) => {
      running.add(name);
      started.push(name);
      peak = Math.max(peak, running.size);
      finish.set(name, {
        resolve: (v) => {
          running.delete(name);
          resolve(v);
        },
        reject: (e) => {
          running.delete(name);
          reject(e);
        },
      });
    });
  return { run, running, started, finish, peak: () => peak };
}

/** Lets the pool's lanes take their next query. */
const settle = () => new Promise((r) => setImmediate(r));

test('at most `concurrency` at once, in the order given, each result by its name', async () => {
  const q = controlled();
  const names = ['a', 'b', 'c', 'd', 'e'] as const;
  const all = runConcurrently(names, 2, q.run);
  await settle();
  expect([...q.running]).toEqual(['a', 'b']);
  q.finish.get('b')!.resolve('B');
  await settle();
  expect([...q.running]).toEqual(['a', 'c']);
  for (const n of ['a', 'c']) q.finish.get(n)!.resolve(n.toUpperCase());
  await settle();
  expect([...q.running]).toEqual(['d', 'e']);
  for (const n of ['d', 'e']) q.finish.get(n)!.resolve(n.toUpperCase());
  await expect(all).resolves.toEqual({ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' });
  expect(q.started).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(q.peak()).toBe(2);
});

test('one at a time runs them in order', async () => {
  const order: string[] = [];
  const result = await runConcurrently(['x', 'y', 'z'], 1, async (name) => {
    order.push(`start ${name}`);
    await settle();
    order.push(`end ${name}`);
    return name.length;
  });
  expect(order).toEqual(['start x', 'end x', 'start y', 'end y', 'start z', 'end z']);
  expect(result).toEqual({ x: 1, y: 1, z: 1 });
});

test('a failure rejects the call once the running ones are done, and nothing more starts', async () => {
  const q = controlled();
  const all = runConcurrently(['a', 'b', 'c', 'd'], 2, q.run);
  let settled = false;
  all.catch(() => undefined).finally(() => (settled = true));
  await settle();
  q.finish.get('a')!.reject(new Error('sql/insights/a.sql failed'));
  await settle();
  // b is still running: the call waits for it, and c is never started.
  expect(settled).toBe(false);
  expect(q.started).toEqual(['a', 'b']);
  q.finish.get('b')!.resolve('B');
  await expect(all).rejects.toThrow('sql/insights/a.sql failed');
  expect(q.started).toEqual(['a', 'b']);
});

test('runInLanes returns results in the items\' order, whichever lane finishes first', async () => {
  const delays = [3, 0, 2, 0, 1];
  const results = await runInLanes(delays, 2, async (ticks) => {
    for (let t = 0; t < ticks; t++) await settle();
    return ticks * 10;
  });
  expect(results).toEqual([30, 0, 20, 0, 10]);
  await expect(runInLanes([], 2, async () => 1)).resolves.toEqual([]);
});
