import type { ChildProcess } from 'node:child_process';
import { spawnWatched } from '../../src/temporal/watchdog';

/**
 * A program that exits on its own must take its watchdog with it at once: the watchdog's pipes are
 * handles that keep this process alive (Jest's "did not exit one second after the test run" after a
 * dev server that died at start-up), and the lifeline left behind would wait for our exit.
 */
let waitingFor: ChildProcess | undefined;

afterAll(() => {
  // Should the test fail, a watchdog that never exits must not keep Jest from exiting too.
  if (waitingFor !== undefined && waitingFor.exitCode === null && waitingFor.signalCode === null) {
    waitingFor.kill('SIGKILL');
    waitingFor.stdin?.destroy();
  }
});

test('the watchdog of a program that exits at once exits too, with its code', async () => {
  // The lost-signal race this guards against hit about one start in three; twenty starts find it.
  for (let start = 0; start < 20; start++) {
    const { child, pid } = spawnWatched('/bin/sh', ['-c', 'exit 3']);
    waitingFor = child;
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(3);
    expect(await pid).toBeGreaterThan(0);
  }
}, 60_000);
