import { MockActivityEnvironment } from '@temporalio/testing';
import { whileHeartbeating } from '../src/activities/staging';

test('a long statement keeps heartbeating while it runs, and stops when it ends', async () => {
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const result = await env.run(() =>
    whileHeartbeating({ sql: 'transform/songplays' }, () => new Promise((r) => setTimeout(() => r('done'), 400)), 50),
  );
  expect(result).toBe('done');
  expect(beats.length).toBeGreaterThanOrEqual(4);
  expect(beats[0]).toEqual({ sql: 'transform/songplays' });
  const after = beats.length;
  await new Promise((r) => setTimeout(r, 200));
  expect(beats.length).toBe(after);
});
