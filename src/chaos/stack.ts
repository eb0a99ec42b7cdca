import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startDevServer, type DevServer } from '../temporal/devServer';
import { PostgresWarehouse } from '../warehouse/postgres';
import { sqlStatement } from '../warehouse/sql';
import type { RunWindow } from '../etl/types';
import { ETL_STEPS, etlRun, type EtlStep } from '../workflows/etl';

const BIN = path.resolve(__dirname, '../../bin/sparkify.js');

/** The Temporal dev server with its state in a SQLite file, so it can be restarted mid-run. */
export interface ChaosTemporal {
  address: string;
  client: Client;
  /** Stops the server and starts it again on the same port from the same file. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosTemporal(dbFilename: string): Promise<ChaosTemporal> {
  let server: DevServer = await startDevServer({ dbFilename });
  const address = server.address;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: server.namespace });
  return {
    address,
    client,
    async restart() {
      await server.stop();
      server = await startDevServer({ dbFilename, port });
    },
    async stop() {
      await connection.close();
      await server.stop();
    },
  };
}

/** `sparkify worker` in its own process, as production runs it. */
export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

export interface LaneSettings {
  temporal: ChaosTemporal;
  source: string;
  warehouse: string;
  env?: NodeJS.ProcessEnv;
  /** Where each worker's output goes (`<task queue>-<n>.log`), for a look after a failure. */
  logDir?: string;
}

/**
 * One run under fault: a task queue, the worker processes serving it (one at a time, a new one
 * after each kill) and the warehouse database the run loads.
 */
export class Lane {
  readonly taskQueue = `chaos-${randomUUID()}`;
  worker: WorkerProcess | undefined;
  private readonly all: WorkerProcess[] = [];

  constructor(readonly settings: LaneSettings) {}

  async startWorker(): Promise<WorkerProcess> {
    const { temporal, source, warehouse, env } = this.settings;
    const child = spawn(process.execPath, [BIN, 'worker', '--temporal', temporal.address, '--source', source, '--warehouse', warehouse], {
      env: { ...process.env, ...env, SPARKIFY_LOG_LEVEL: 'info', SPARKIFY_TASK_QUEUE: this.taskQueue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // If the suite itself is stopped (Ctrl-C, a CI timeout), its workers go with it.
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    const worker = { child, exited };
    this.all.push(worker);
    if (this.settings.logDir) {
      const out = fs.createWriteStream(path.join(this.settings.logDir, `${this.taskQueue}-${this.all.length}.log`));
      child.stdout!.pipe(out);
      child.stderr!.pipe(out);
    }
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        seen = (seen + chunk.toString()).slice(-8000);
        if (seen.includes('worker running')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then(() => reject(new Error(`worker exited before polling:\n${seen}`)));
    });
    if (!this.settings.logDir) {
      // Keep reading its output so the pipe never fills and blocks it.
      child.stdout!.resume();
      child.stderr!.resume();
    }
    this.worker = worker;
    return worker;
  }

  /** SIGKILL: the process dies at once, mid-statement, without a word to Temporal. */
  async killWorker(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    w.child.kill('SIGKILL');
    await w.exited;
    this.worker = undefined;
  }

  async start(window: RunWindow): Promise<WorkflowHandle> {
    return this.settings.temporal.client.workflow.start(etlRun, {
      taskQueue: this.taskQueue,
      workflowId: `chaos-etl-${randomUUID()}`,
      args: [{ window }],
    });
  }

  async stop(): Promise<void> {
    for (const w of this.all) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        w.child.kill('SIGCONT');
        w.child.kill('SIGTERM');
        const timer = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
        await w.exited;
        clearTimeout(timer);
      }
    }
  }
}

/** What runs at a moment: the activities pending on the server (no worker needed to answer). */
export interface Snapshot {
  closed: boolean;
  status: string;
  activities: { id: string; type: string; started: boolean; attempt: number; startedAtMs?: number; scheduledAtMs?: number; lastHeartbeat?: string }[];
}

const STARTED = 2; // PendingActivityState.STARTED

/** A heartbeat's details as the worker sent them (JSON). */
function heartbeatText(data: Uint8Array | null | undefined): string | undefined {
  return data ? Buffer.from(data).toString('utf8') : undefined;
}

export async function snapshot(handle: WorkflowHandle): Promise<Snapshot> {
  const d = await handle.describe();
  const activities = (d.raw.pendingActivities ?? []).map((a) => ({
    id: String(a.activityId),
    type: String(a.activityType?.name),
    started: Number(a.state) === STARTED,
    attempt: Number(a.attempt ?? 1),
    startedAtMs: optionalTsToMs(a.lastStartedTime),
    // For a retry, the moment it is due.
    scheduledAtMs: optionalTsToMs(a.scheduledTime),
    lastHeartbeat: heartbeatText(a.heartbeatDetails?.payloads?.[0]?.data),
  }));
  return { closed: d.status.name !== 'RUNNING', status: d.status.name, activities };
}

const order = (step: string) => ETL_STEPS.indexOf(step as EtlStep);

/**
 * Waits until `target` runs on a worker. Returns the snapshot then; or, when the run went past
 * the target unseen (a step of a few milliseconds), the snapshot of whatever runs now; undefined
 * once the run has ended.
 */
export async function whenRunning(handle: WorkflowHandle, target: EtlStep, deadlineMs = 300_000): Promise<Snapshot | undefined> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const s = await snapshot(handle);
    if (s.closed) return undefined;
    const started = s.activities.filter((a) => a.started);
    if (started.some((a) => a.type === target) || started.some((a) => order(a.type) > order(target))) return s;
    if (Date.now() > deadline) throw new Error(`step ${target} did not start within ${deadlineMs / 1000} s`);
    await sleep(15);
  }
}

/** How a run came back after a fault, each part in ms from the fault. */
export interface Resume {
  /** Until the run made progress again. */
  ms: number;
  /** Until the server ended the attempt that was running (first seen by polling); absent when not seen. */
  endedMs?: number;
  /** Until that attempt's retry was due: the server's part of the wait. The rest is the worker's pick-up. */
  dueMs?: number;
}

/**
 * Waits until the run made progress again after a fault: an attempt that was running then
 * started anew (or finished: only a new attempt can), or, when none was running, a new activity
 * started; or the run ended.
 */
export async function resumedAfter(handle: WorkflowHandle, before: Snapshot, since: number, deadlineMs = 180_000): Promise<Resume> {
  const deadline = since + deadlineMs;
  const running = before.activities.filter((a) => a.started);
  const endedAt = new Map<string, number>();
  for (;;) {
    const now = await snapshot(handle);
    if (now.closed) return { ms: Date.now() - since };
    for (const old of running) {
      const current = now.activities.find((a) => a.id === old.id);
      if (!current) return { ms: Date.now() - since };
      if (current.attempt <= old.attempt) continue;
      if (!current.started) {
        if (!endedAt.has(old.id)) endedAt.set(old.id, Date.now());
        continue;
      }
      const ended = endedAt.get(old.id);
      const dueMs = current.scheduledAtMs === undefined ? undefined : current.scheduledAtMs - since;
      return { ms: Math.max(0, (current.startedAtMs ?? Date.now()) - since), endedMs: ended === undefined ? undefined : ended - since, dueMs };
    }
    if (running.length === 0) {
      const fresh = now.activities.find((a) => a.started && !before.activities.some((b) => b.id === a.id));
      if (fresh) return { ms: Math.max(0, (fresh.startedAtMs ?? Date.now()) - since) };
    }
    if (Date.now() > deadline) throw new Error(`the run did not resume within ${deadlineMs / 1000} s`);
    await sleep(50);
  }
}

/** "25.1 s", with when the server ended the attempt and when its retry was due, where known. */
export function describeResume(r: Resume): string {
  const parts = [
    r.endedMs === undefined ? undefined : `attempt ended by the server at ${seconds(r.endedMs)}`,
    r.dueMs === undefined ? undefined : `retry due at ${seconds(r.dueMs)}`,
  ].filter((p) => p !== undefined);
  return parts.length > 0 ? `${seconds(r.ms)} (${parts.join(', ')})` : seconds(r.ms);
}

/** Milliseconds as the suite prints them: "25.1 s". */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The running step names of a snapshot, or "between steps". */
export function runningSteps(s: Snapshot): string {
  const started = s.activities.filter((a) => a.started).map((a) => `${a.type}#${a.attempt}`);
  return started.length > 0 ? started.join('+') : 'between steps';
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const STAR_TABLES: Record<string, string> = { songplays: 'songplay_id', users: 'user_id', songs: 'song_id', artists: 'artist_id', time: 'start_time' };

/**
 * An ordered checksum of every star table's full contents (all rows, all columns, by key), and
 * the staging rows per kind with any (file, line) staged twice: what a faulted run is held to.
 */
export async function warehouseFingerprint(url: string): Promise<Record<string, string>> {
  const w = new PostgresWarehouse(url);
  try {
    const out: Record<string, string> = {};
    for (const [table, key] of Object.entries(STAR_TABLES)) {
      const rows = await w.query(sqlStatement('chaos/table_rows', w.dialect, { table, key }));
      const hash = createHash('sha256');
      for (const row of rows) hash.update(JSON.stringify(row)).update('\n');
      out[table] = `${rows.length} rows ${hash.digest('hex').slice(0, 16)}`;
    }
    for (const table of ['staging_events', 'staging_songs']) {
      const [r] = await w.query(sqlStatement('chaos/staged_twice', w.dialect, { table }));
      out[table] = `${r.n} rows, ${r.twice} staged twice`;
    }
    return out;
  } finally {
    await w.close();
  }
}

/** The tables where two fingerprints differ, described; empty when equal. */
export function differences(want: Record<string, string>, got: Record<string, string>): string[] {
  return Object.keys(want)
    .filter((k) => want[k] !== got[k])
    .map((k) => `${k}: want ${want[k]}, got ${got[k]}`);
}
