import { MockActivityEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MEMORY_TRACE_ENV, memoryTraceInterceptor, type ActivityMemoryTrace } from '../../src/activities/memoryTrace';

describe('the worker memory trace (SPARKIFY_MEMORY_TRACE)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memory-trace-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('unset, there is no interceptor', () => {
    expect(memoryTraceInterceptor({})).toBeUndefined();
    expect(memoryTraceInterceptor({ [MEMORY_TRACE_ENV]: ' ' })).toBeUndefined();
  });

  test("appends a line per activity with its resident memory at start, peak and end, also when it fails", async () => {
    const file = path.join(dir, 'trace.jsonl');
    const interceptor = memoryTraceInterceptor({ [MEMORY_TRACE_ENV]: file })!;
    const env = new MockActivityEnvironment({ activityType: 'stageEvents', attempt: 2 }, { interceptors: [interceptor] });
    const result = await env.run(async () => {
      // Touch 64 MiB the sampler sees while the activity runs.
      const held = Buffer.alloc(64 * 1024 * 1024, 1);
      await new Promise((r) => setTimeout(r, 300));
      return held.length;
    });
    expect(result).toBe(64 * 1024 * 1024);
    await expect(env.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ActivityMemoryTrace);
    expect(lines).toHaveLength(2);
    const [first] = lines;
    expect(first).toMatchObject({ activity: 'stageEvents', attempt: 2 });
    expect(first.peak.rssMiB).toBeGreaterThanOrEqual(first.start.rssMiB);
    // The held buffer is alive at the highest sample (the interval fires before the 300 ms sleep
    // ends; freeing it would lower RSS). A difference from the start is not asserted: buffers the
    // start sample counted may be collected meanwhile (it measured 56 MiB once under load).
    expect(first.peak.arrayBuffersMiB).toBeGreaterThanOrEqual(64);
    expect(first.seconds).toBeGreaterThan(0);
  });
});
