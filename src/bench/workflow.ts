/**
 * One full pipeline run through Temporal, measured: a fresh worker process (so its peak RSS is
 * this run's alone) against the bench's dev server; the client here starts etlRun and waits.
 * Times per activity come from the workflow history (started → completed, server clock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { EtlInput, RunSummary, RunWindow } from '../etl/types';
import type { etlRun } from '../workflows/etl';
import { WORKER_MALLOC_ENV, WORKER_NODE_FLAGS } from '../util/workerNodeFlags';
import { procStatusBytes } from '../util/procStatus';
import { onShutdown } from '../util/shutdown';
import { TURN_TRACE_ENV, turnWaitsOf } from '../activities/turnWaits';
import { cpuUseBetween, readMachineCpu, type CpuUse } from './machineCpu';

const BIN = path.resolve(__dirname, '../../bin/sparkify.js');
const WORKER_READY_MS = 180_000;
const STDERR_KEPT = 40;

export interface WorkflowResult {
  /** Workflow started → completed, on the server's clock. */
  wallSeconds: number;
  /** Each activity's started → completed (the last attempt), by activity name. */
  activities: Record<string, number>;
  /** Time during which at least one activity ran (parallel activities counted once). */
  activeSeconds: number;
  /** wallSeconds − activeSeconds: scheduling, workflow tasks, and the gaps between steps. */
  overheadSeconds: number;
  /** The overhead's longest stretch, and what ended before and started after it. */
  longestGap?: IdleGap;
  /** The longest any activity waited between scheduled and started. */
  longestStartWait?: StartWait;
  /** Activities that completed on a later attempt than the first (the history keeps the last attempt's start only). */
  retried?: RetriedStep[];
  /** Each activity's last attempt, in seconds from the run's start, in the order they started: shows the run's critical path and its waits. */
  timeline?: TimelineEntry[];
  /**
   * Of each activity's time, the seconds it waited for another step of the run before its own work
   * (src/activities/turnWaits.ts), by activity name: those that waited for a turn, however short (on
   * DuckDB every publish takes one). Absent in results written before it was measured.
   */
  turnWaits?: Record<string, number>;
  /** The worker process's peak resident memory (VmHWM) and its resident memory when it was ready. */
  peakRssBytes: number;
  readyRssBytes: number;
  /** The machine's CPU use from the run's start to its result (machineCpu.ts); absent where it cannot be read. */
  cpu?: CpuUse;
  summary: RunSummary;
}

interface WorkerProcess {
  child: ChildProcess;
  stderr: () => string;
}

function startWorker(address: string, taskQueue: string, cwd: string, turnTrace: string): WorkerProcess {
  const lines: string[] = [];
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, BIN, 'worker', '--temporal', address], {
    cwd,
    env: { ...process.env, ...WORKER_MALLOC_ENV, SPARKIFY_TASK_QUEUE: taskQueue, SPARKIFY_LOG_LEVEL: 'warn', [TURN_TRACE_ENV]: turnTrace },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    lines.push(...chunk.split('\n').filter((l) => l.trim() !== ''));
    if (lines.length > STDERR_KEPT) lines.splice(0, lines.length - STDERR_KEPT);
  });
  return { child, stderr: () => lines.join('\n') };
}

async function waitForPoller(client: Client, taskQueue: string, worker: WorkerProcess): Promise<void> {
  const deadline = Date.now() + WORKER_READY_MS;
  for (;;) {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited with ${worker.child.exitCode}:\n${worker.stderr()}`);
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if (pollers && pollers.length > 0) return;
    if (Date.now() > deadline) throw new Error(`no worker polled ${taskQueue} within ${WORKER_READY_MS / 1000} s:\n${worker.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = once(worker.child, 'exit');
  worker.child.kill('SIGINT');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function ms(t: Timestamp): number {
  if (!t) throw new Error('history event without a time');
  const s = typeof t.seconds === 'number' ? t.seconds : (t.seconds?.toNumber() ?? 0);
  return s * 1000 + (t.nanos ?? 0) / 1e6;
}

const idOf = (v: { toString(): string } | number | null | undefined) => String(v ?? '');

/** A stretch of the run with no activity running: what ended before it and what started after it. */
export interface IdleGap {
  seconds: number;
  /** The activity whose end opened the gap (null: the run's start). */
  after: string | null;
  /** The activity whose start closed it (null: the run's end). */
  before: string | null;
}

/** A step that completed on a later attempt, and why the attempt before it failed (the history keeps the last failure). */
export interface RetriedStep {
  activity: string;
  attempt: number;
  lastFailure?: string;
}

/** An activity's wait between being scheduled and being started by a worker (the longest of the run). */
export interface StartWait {
  seconds: number;
  activity: string;
}

/** One activity's last attempt: started and completed, in seconds from the run's start. */
export interface TimelineEntry {
  activity: string;
  start: number;
  end: number;
}

/** Activity times, the run's wall time, and where its orchestration overhead is, from its history. */
export function timesFromHistory(
  history: temporal.api.history.v1.IHistory,
): Pick<WorkflowResult, 'wallSeconds' | 'activities' | 'activeSeconds' | 'overheadSeconds' | 'longestGap' | 'longestStartWait' | 'retried' | 'timeline'> {
  const events = history.events ?? [];
  /** Each scheduled activity's name and time, by the scheduled event's id. */
  const scheduled = new Map<string, { name: string; at: number }>();
  const starts = new Map<string, number>();
  const intervals: Array<{ start: number; end: number; name: string }> = [];
  const activities: Record<string, number> = {};
  let longestStartWait: StartWait | undefined;
  const retried: RetriedStep[] = [];
  let began: number | undefined;
  let ended: number | undefined;
  for (const e of events) {
    const at = () => ms(e.eventTime as Timestamp);
    if (e.workflowExecutionStartedEventAttributes) began = at();
    if (e.workflowExecutionCompletedEventAttributes) ended = at();
    if (e.activityTaskScheduledEventAttributes) scheduled.set(idOf(e.eventId), { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at: at() });
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      starts.set(idOf(e.eventId), at());
      const schedule = scheduled.get(idOf(started.scheduledEventId));
      const wait = schedule === undefined ? 0 : (at() - schedule.at) / 1000;
      const activity = schedule?.name ?? '?';
      if (longestStartWait === undefined || wait > longestStartWait.seconds) longestStartWait = { seconds: wait, activity };
      if ((started.attempt ?? 1) > 1) {
        const lastFailure = started.lastFailure?.message;
        retried.push({ activity, attempt: started.attempt!, ...(lastFailure ? { lastFailure } : {}) });
      }
    }
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const start = starts.get(idOf(done.startedEventId));
      if (start === undefined) continue;
      const end = at();
      const name = scheduled.get(idOf(done.scheduledEventId))?.name ?? '?';
      activities[name] = (end - start) / 1000;
      intervals.push({ start, end, name });
    }
  }
  if (began === undefined || ended === undefined) throw new Error('the history holds no completed workflow');
  intervals.sort((a, b) => a.start - b.start);
  let active = 0;
  let coveredTo = began;
  let lastToEnd: string | null = null;
  let longestGap: IdleGap = { seconds: 0, after: null, before: null };
  const gap = (until: number, before: string | null) => {
    const seconds = (until - coveredTo) / 1000;
    if (seconds > longestGap.seconds) longestGap = { seconds, after: lastToEnd, before };
  };
  for (const { start, end, name } of intervals) {
    if (end <= coveredTo) continue;
    if (start > coveredTo) gap(start, name);
    active += end - Math.max(start, coveredTo);
    coveredTo = end;
    lastToEnd = name;
  }
  gap(ended, null);
  const wallSeconds = (ended - began) / 1000;
  const origin = began;
  const since = (t: number) => Math.round(t - origin) / 1000;
  return {
    wallSeconds,
    activities,
    activeSeconds: active / 1000,
    overheadSeconds: wallSeconds - active / 1000,
    longestGap,
    ...(longestStartWait ? { longestStartWait } : {}),
    retried,
    timeline: intervals.map(({ start, end, name }) => ({ activity: name, start: since(start), end: since(end) })),
  };
}

/** An error and its causes, one message each: a failed workflow's own message only says it failed. */
export function causeChain(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 6; e = e.cause) messages.push(e.message.split('\n')[0]);
  return messages.length > 0 ? messages.join(': ') : String(err);
}

export interface WorkflowRunOptions {
  client: Client;
  address: string;
  taskQueue: string;
  workflowId: string;
  source: string;
  warehouse: string;
  /** The worker's working directory; the run's HTML report goes in reports/ under it. */
  workDir: string;
  timeoutMs: number;
  /** The dates to run; absent: every file of the source. */
  window?: RunWindow;
}

/** Starts a worker, runs etlRun over the source (every file, or the window's), measures, stops the worker. */
export async function runWorkflow(options: WorkflowRunOptions): Promise<WorkflowResult> {
  const { client } = options;
  fs.mkdirSync(options.workDir, { recursive: true });
  const turnTrace = path.join(options.workDir, `turn-waits-${options.taskQueue}.jsonl`);
  fs.rmSync(turnTrace, { force: true });
  const worker = startWorker(options.address, options.taskQueue, options.workDir, turnTrace);
  const forgetOnSignal = onShutdown(() => stopWorker(worker));
  try {
    await waitForPoller(client, options.taskQueue, worker);
    const pid = worker.child.pid!;
    const readyRssBytes = procStatusBytes(pid, 'VmRSS');
    const input: EtlInput = { source: options.source, warehouse: options.warehouse, window: options.window ?? null, reportTo: path.join(options.workDir, 'reports') };
    const cpuBefore = readMachineCpu();
    const handle = await client.workflow.start<typeof etlRun>('etlRun', { taskQueue: options.taskQueue, workflowId: options.workflowId, args: [input] });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the run took longer than ${options.timeoutMs / 60_000} min (terminated)`)), options.timeoutMs);
    });
    let summary: RunSummary;
    try {
      summary = await Promise.race([handle.result(), timedOut]);
    } catch (err) {
      await handle.terminate('bench: run failed or timed out').catch(() => undefined);
      throw new Error(causeChain(err), { cause: err });
    } finally {
      clearTimeout(timer);
    }
    const cpu = cpuUseBetween(cpuBefore, readMachineCpu());
    const peakRssBytes = procStatusBytes(pid, 'VmHWM');
    const times = timesFromHistory(await handle.fetchHistory());
    const turnWaits = turnWaitsOf(fs.existsSync(turnTrace) ? fs.readFileSync(turnTrace, 'utf8').split('\n') : [], options.workflowId);
    return { ...times, turnWaits, peakRssBytes, readyRssBytes, ...(cpu ? { cpu } : {}), summary };
  } finally {
    forgetOnSignal();
    await stopWorker(worker);
  }
}
