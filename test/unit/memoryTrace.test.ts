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
    // A 64 MiB buffer allocated inside the activity and still referenced when it ends.
    let held: Buffer | undefined;
    const result = await env.run(async () => {
      held = Buffer.alloc(64 * 1024 * 1024, 1);
      await new Promise((r) => setTimeout(r, 300));
      return held.length;
    });
    expect(result).toBe(64 * 1024 * 1024);
    await expect(env.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ActivityMemoryTrace);
    expect(lines).toHaveLength(2);
    const [first] = lines;
    expect(first).toMatchObject({ activity: 'stageEvents', attempt: 2 });
    // The end sample is taken after the activity returns, with the buffer alive: V8 counts it
    // whether or not the allocator took new pages for it. The peak is the highest resident sample,
    // never below the start or the end (whether RSS grows for the buffer depends on pages freed
    // earlier, so the buffer is not asserted to show in the peak).
    expect(first.end.arrayBuffersMiB).toBeGreaterThanOrEqual(64);
    expect(first.peak.rssMiB).toBeGreaterThanOrEqual(Math.max(first.start.rssMiB, first.end.rssMiB));
    expect(held?.length).toBe(64 * 1024 * 1024);
    expect(first.seconds).toBeGreaterThan(0);
    // The process's high-water mark brackets the activity: never lower at its end than at its
    // start, nor than any resident sample taken while it ran (rounded to MiB on both sides).
    if (process.platform === 'linux') {
      expect(first.hwmEndMiB!).toBeGreaterThanOrEqual(first.hwmStartMiB!);
      expect(first.hwmEndMiB!).toBeGreaterThanOrEqual(first.peak.rssMiB - 1);
    }
  });
});
