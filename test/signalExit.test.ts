/**
 * After Ctrl-C or SIGTERM the process ends with the signal's code (130, 143) once its cleanups
 * (src/util/shutdown.ts) are done, even when closing connections makes a pending call fail where
 * nothing awaits it: the Temporal client retries a failed call in a timer, and that timer threw
 * "Channel has been shut down" after Ctrl-C in CI, so `sparkify run` exited 1 and its cleanups
 * were cut short. Runs the built module (npm test builds first) in a child process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const SHUTDOWN = path.resolve(__dirname, '../dist/util/shutdown.js');

/**
 * A process that registers a cleanup, signals itself, and, while the cleanup runs, has a timer
 * throw (as the client's retry did); the cleanup writes when it finished.
 */
const SCRIPT = `
const { onShutdown } = require(${JSON.stringify(SHUTDOWN)});
onShutdown(async () => {
  setTimeout(() => { throw new Error('Channel has been shut down'); }, 10);
  await new Promise((resolve) => setTimeout(resolve, 300));
  process.stdout.write('cleanup finished\\n');
});
setInterval(() => undefined, 1000);
process.kill(process.pid, process.argv[1]);
`;

function runWith(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT, signal]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s: an error thrown in a timer while stopping does not cut the cleanups short; the exit code is %i', async (signal, expected) => {
  const { code, stdout, stderr } = await runWith(signal);
  expect({ code, stdout }).toEqual({ code: expected, stdout: 'cleanup finished\n' });
  expect(stderr).toContain(`${signal}: stopping…`);
  expect(stderr).toContain('while stopping: Channel has been shut down');
});
