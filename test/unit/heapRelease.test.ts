import { execFileSync } from 'node:child_process';
import { collectGarbage } from '../../src/util/heapRelease';
import { WORKER_NODE_FLAGS } from '../../src/util/workerNodeFlags';

/** Old-generation bytes a process started with `flags` holds after making and dropping ~100 MiB of objects, then collectGarbage's way. */
function oldSpaceAfterDropMiB(flags: readonly string[]): number {
  const script = `
    let keep = [];
    for (let i = 0; i < 1500000; i++) keep.push({ i, s: 'x' + i });
    keep = null;
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const space = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    process.stdout.write(String(space.space_used_size / 1048576));`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
}

// The jest worker's own gc may be exposed (by NODE_OPTIONS or an earlier test file), and an exposed
// gc cannot be deleted or replaced: the tests give collectGarbage its own runtime.
describe('collectGarbage: the heap collected between steps', () => {
  test('runs V8 collection when the runtime exposes it', () => {
    const gc = jest.fn();
    expect(collectGarbage({ gc })).toBe(true);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  test('is a no-op in a runtime started without --expose-gc', () => {
    expect(collectGarbage({})).toBe(false);
  });

  test("the worker's flags expose it, and it hands back garbage the old generation kept", () => {
    const collected = oldSpaceAfterDropMiB(WORKER_NODE_FLAGS);
    const kept = oldSpaceAfterDropMiB(WORKER_NODE_FLAGS.filter((f) => f !== '--expose-gc'));
    expect(collected).toBeLessThan(20);
    expect(kept).toBeGreaterThan(collected + 20);
  }, 60_000);
});
