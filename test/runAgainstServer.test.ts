import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../src/etl/types';
import type { backfill } from '../src/workflows/backfill';
import type { etlRun } from '../src/workflows/etl';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal, type TestWorker } from './harness/temporal';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * `sparkify run --temporal` (and `backfill`), as an operator starts them against a server whose
 * worker runs elsewhere: the source is the worker's to read, so the CLI does not judge it by its
 * own disk; and a start that meets a running workflow of its id attaches to it only when that one
 * loads what was asked.
 */
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

interface Exit {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI in a child process (asynchronously: the worker polls in this one): its exit, and a
 * promise of the first output matching a pattern, and a way to signal it (Ctrl-C). A command that would wait on a workflow no
 * worker runs is killed after the guard (the test then fails on its exit, not on a clock).
 */
function sparkify(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { exit: Promise<Exit>; output: (pattern: RegExp) => Promise<string>; signal: (signal: NodeJS.Signals) => void } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn', SPARKIFY_TASK_QUEUE: worker.taskQueue, ...env };
  delete childEnv.TEMPORAL_ADDRESS;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: childEnv, timeout: 90_000 });
  let stdout = '';
  let stderr = '';
  const watchers: (() => void)[] = [];
  const seen = () => watchers.forEach((w) => w());
  child.stdout.on('data', (c: Buffer) => ((stdout += c.toString()), seen()));
  child.stderr.on('data', (c: Buffer) => ((stderr += c.toString()), seen()));
  const exit = new Promise<Exit>((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
  const output = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => pattern.test(stdout + stderr) && resolve(stdout + stderr);
      watchers.push(check);
      check();
      void exit.then(() => reject(new Error(`exited before ${pattern}:\n${stdout}${stderr}`)));
    });
  return { exit, output, signal: (signal) => child.kill(signal) };
}

test("a source missing on the operator's machine reaches the worker, whose listing fails the run at once, naming the directory", async () => {
  const missing = path.join(tmp, 'no-such-source');
  const run = await worker.during(
    () => sparkify(['run', '--temporal', temporal.server.address, '--source', missing, '--warehouse', `duckdb:${path.join(tmp, 'missing.duckdb')}`, '--date', '2018-11-04']).exit,
  );
  expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({
    status: 1,
    stderr: expect.stringMatching(new RegExp(`^sparkify: run sparkify-etl-2018-11-04 failed at step \\w+: source directory ${missing} does not exist$`)),
  });
});

const warehouse = (name: string) => `duckdb:${path.join(tmp, `${name}.duckdb`)}`;
/** A workflow on a queue no worker polls stays running for as long as the test needs. */
const idleQueue = () => `nobody-polls-${randomUUID()}`;

describe('a start that meets its workflow id running', () => {

  test('run with another warehouse or reject rate fails with status 2, naming the running workflow, its target and the way out', async () => {
    const queue = idleQueue();
    const window = { from: '2018-11-06', to: '2018-11-06' };
    await temporal.client.workflow.start<typeof etlRun>('etlRun', {
      taskQueue: queue,
      workflowId: 'sparkify-etl-2018-11-06',
      args: [{ source: SAMPLE_DIR, warehouse: warehouse('a'), window, maxRejectRate: 0.01, failOnEmpty: false }],
    });
    const run = await sparkify(
      ['run', '--temporal', temporal.server.address, '--source', SAMPLE_DIR, '--warehouse', warehouse('b'), '--date', '2018-11-06', '--max-reject-rate', '0.5'],
      { SPARKIFY_TASK_QUEUE: queue },
    ).exit;
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      `sparkify: sparkify-etl-2018-11-06 is already running with source ${SAMPLE_DIR} and warehouse ${warehouse('a')}, not as asked: ` +
        `warehouse ${warehouse('a')} (asked: ${warehouse('b')}); maxRejectRate 0.01 (asked: 0.5). ` +
        'Wait for it to end and start again, or cancel it: temporal workflow cancel --workflow-id sparkify-etl-2018-11-06',
    );
  });

  test('run with the same settings attaches, says so in a plain line (not a log record), and reports the running workflow\'s outcome', async () => {
    const second = await temporal.worker();
    const window = { from: '2018-11-07', to: '2018-11-07' };
    // Started while its worker does not poll yet: it is still running when the CLI starts.
    const first = await temporal.client.workflow.start<typeof etlRun>('etlRun', {
      taskQueue: second.taskQueue,
      workflowId: 'sparkify-etl-2018-11-07',
      args: [{ source: SAMPLE_DIR, warehouse: warehouse('same'), window, maxRejectRate: 0.01, failOnEmpty: false }],
    });
    const run = sparkify(['run', '--temporal', temporal.server.address, '--source', SAMPLE_DIR, '--warehouse', warehouse('same'), '--date', '2018-11-07', '--json'], {
      SPARKIFY_TASK_QUEUE: second.taskQueue,
      SPARKIFY_LOG_LEVEL: 'info',
    });
    const attachedLine = 'Attached to sparkify-etl-2018-11-07, already running with the same settings: this command started no new one.';
    await run.output(/Attached to sparkify-etl-2018-11-07/);
    const exit = await second.during(() => run.exit);
    expect(exit.status).toBe(0);
    const lines = exit.stderr.trim().split('\n');
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([attachedLine]);
    // The log (at its default level here) says nothing of a start: this command started none.
    expect(lines.filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { msg: string }).msg)).not.toContain('run started');
    const summary = JSON.parse(exit.stdout.trim().split('\n').pop()!) as RunSummary;
    expect(summary).toMatchObject({ workflowId: 'sparkify-etl-2018-11-07', runId: first.firstExecutionRunId, status: 'completed' });
  });

  test('backfill of a running range with another source fails with status 2 the same way', async () => {
    const queue = idleQueue();
    await temporal.client.workflow.start<typeof backfill>('backfill', {
      taskQueue: queue,
      workflowId: 'sparkify-backfill-2018-11-01_2018-11-03',
      args: [{ from: '2018-11-01', to: '2018-11-03', etl: { source: SAMPLE_DIR, warehouse: warehouse('a') } }],
    });
    const other = path.join(tmp, 'other-source');
    const run = await sparkify(
      ['backfill', '--temporal', temporal.server.address, '--source', other, '--warehouse', warehouse('a'), '--from', '2018-11-01', '--to', '2018-11-03'],
      { SPARKIFY_TASK_QUEUE: queue },
    ).exit;
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^sparkify: sparkify-backfill-2018-11-01_2018-11-03 is already running with source ${SAMPLE_DIR} and warehouse .*: source ${SAMPLE_DIR} \\(asked: ${other}\\)\\. Wait`),
    );
  });
});

describe('Ctrl-C while the command waits on a workflow on the server', () => {
  const keepsRunning = (workflowId: string) =>
    `${workflowId} keeps running on ${temporal.server.address}: only this command stopped. Follow it again with the same command (it attaches), ` +
    `or cancel it: temporal workflow cancel --workflow-id ${workflowId} --address ${temporal.server.address}`;

  test.each([
    ['run', ['run', '--date', '2018-11-08'], 'sparkify-etl-2018-11-08', /no worker polls task queue/],
    ['backfill', ['backfill', '--from', '2018-11-10', '--to', '2018-11-11'], 'sparkify-backfill-2018-11-10_2018-11-11', /backfill started/],
  ])('%s exits 130 saying the workflow keeps running, how to follow it again and how to cancel it; it does keep running', async (_, command, workflowId, started) => {
    const cli = sparkify([...command, '--temporal', temporal.server.address, '--source', SAMPLE_DIR, '--warehouse', warehouse('ctrl-c')], {
      SPARKIFY_TASK_QUEUE: idleQueue(),
      SPARKIFY_LOG_LEVEL: 'info',
    });
    await cli.output(started);
    cli.signal('SIGINT');
    const exit = await cli.exit;
    expect({ status: exit.status, told: exit.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{')) }).toEqual({
      status: 130,
      told: ['SIGINT: stopping…', keepsRunning(workflowId)],
    });
    const { status } = await temporal.client.workflow.getHandle(workflowId).describe();
    expect(status.name).toBe('RUNNING');
  });
});
