import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestTemporal, type TestTemporal, type TestWorker } from './harness/temporal';

/**
 * `sparkify run --temporal`, as an operator starts it against a server whose worker runs
 * elsewhere: the source is the worker's to read, so the CLI does not judge it by its own disk.
 */
const BIN = path.resolve(__dirname, '../bin/sparkify.js');
let temporal: TestTemporal;
let worker: TestWorker;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-remote-'));
  temporal = await startTestTemporal();
  worker = await temporal.worker();
});
afterAll(async () => {
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The CLI in a child process (asynchronously: the worker polls in this one), its exit and output. */
function sparkify(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn', SPARKIFY_TASK_QUEUE: worker.taskQueue, ...env };
  delete childEnv.TEMPORAL_ADDRESS;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: childEnv });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}

test("a source missing on the operator's machine reaches the worker, whose listing fails the run at once, naming the directory", async () => {
  const missing = path.join(tmp, 'no-such-source');
  const run = await worker.during(() =>
    sparkify(['run', '--temporal', temporal.server.address, '--source', missing, '--warehouse', `duckdb:${path.join(tmp, 'missing.duckdb')}`, '--date', '2018-11-04']),
  );
  expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({
    status: 1,
    stderr: expect.stringMatching(new RegExp(`^sparkify: run sparkify-etl-2018-11-04 failed at step \\w+: source directory ${missing} does not exist$`)),
  });
});
