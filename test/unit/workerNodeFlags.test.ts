import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WORKER_NODE_FLAGS } from '../../src/util/workerNodeFlags';

const ROOT = path.resolve(__dirname, '../..');

/** The young generation's size after a burst of short-lived objects, in a process started with `flags`. */
function newSpaceMiB(flags: readonly string[]): number {
  const script = `
    let keep = [];
    for (let r = 0; r < 15; r++) { keep = []; for (let i = 0; i < 200000; i++) keep.push({ i, s: 'x' + i }); }
    const space = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576));`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
}

describe("the worker process's Node flags", () => {
  test('bound the young generation that a streaming parse fills (Node 24 lets it grow to 128 MiB)', () => {
    expect(newSpaceMiB(WORKER_NODE_FLAGS)).toBeLessThanOrEqual(48);
    expect(newSpaceMiB([])).toBeGreaterThan(48);
  }, 60_000);

  test("are in bin/sparkify.js's shebang and the Dockerfile's worker command", () => {
    const shebang = fs.readFileSync(path.join(ROOT, 'bin/sparkify.js'), 'utf8').split('\n')[0];
    const cmd = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('CMD'));
    for (const flag of WORKER_NODE_FLAGS) {
      expect(shebang.split(/\s+/)).toContain(flag);
      expect(cmd).toContain(`"${flag}"`);
    }
  });
});
