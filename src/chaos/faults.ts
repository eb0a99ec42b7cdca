import type { WorkflowHandle } from '@temporalio/client';
import { rootMessage } from '../etl/failures';
import type { RunWindow } from '../etl/types';
import { msToNumber } from '@temporalio/common/lib/time';
import { ETL_STEPS, HEARTBEAT_TIMEOUT, type EtlStep } from '../workflows/etl';
import type { ChaosPostgres } from './postgres';
import type { S3FaultProxy } from './s3FaultProxy';
import { describeResume, differences, Lane, resumedAfter, runningSteps, seconds, sleep, snapshot, whenRunning, warehouseFingerprint, type ChaosTemporal, type Resume } from './stack';

/** One line of the suite's report: a fault kind, how often it was injected and survived. */
export interface FaultReport {
  kind: string;
  injected: number;
  survived: number;
  resumeMs: number[];
  notes: string[];
}

export interface ChaosContext {
  temporal: ChaosTemporal;
  pg: ChaosPostgres;
  source: string;
  window: RunWindow;
  /** The clean run's fingerprint every faulted run must equal. */
  want: Record<string, string>;
  random: () => number;
  log: (line: string) => void;
  /** Worker logs go here (kept when a fault is not survived). */
  logDir?: string;
}

/** Longest a killed step may take to resume on another worker. */
export const RESUME_LIMIT_MS = 60_000;
/** Longest a new worker may take to start a retry once the server has made it due. */
export const PICK_UP_LIMIT_MS = 20_000;
/** The server ends a killed attempt one heartbeat timeout after its last beat; later than this is the server's own delay. */
const SERVER_ENDS_BY_MS = msToNumber(HEARTBEAT_TIMEOUT) + 10_000;

/**
 * Why a killed step's resume was too slow, or undefined when it was prompt. A resume over the
 * limit still counts as prompt when the Temporal server ended the killed attempt late (its own
 * timer, nothing the worker does) and the new worker then started the retry within the pick-up limit.
 */
export function slowResume(r: Resume): string | undefined {
  if (r.ms <= RESUME_LIMIT_MS) return undefined;
  const serverLate = r.endedMs !== undefined && r.endedMs > SERVER_ENDS_BY_MS;
  const pickedUpPromptly = r.dueMs !== undefined && r.ms - r.dueMs <= PICK_UP_LIMIT_MS;
  if (serverLate && pickedUpPromptly) return undefined;
  return `resumed after ${describeResume(r)}, over ${seconds(RESUME_LIMIT_MS)}`;
}

const RUN_DEADLINE_MS = 600_000;

/**
 * Why the run failed, or undefined when it completed. A run still going after `deadlineMs` is
 * described (its steps still pending, with their last heartbeats) and terminated, so its result
 * call settles here: left polling, it was retried once the lane closed its connection, and the
 * retry threw "Channel has been shut down" from a timer and ended the suite before its report.
 */
export async function resultOf(handle: WorkflowHandle, deadlineMs = RUN_DEADLINE_MS): Promise<string | undefined> {
  const result = handle.result();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  try {
    if ((await Promise.race([result.then(() => 'ended' as const), deadline])) === 'ended') return undefined;
    const pending = await pendingSteps(handle).catch((err: unknown) => `not described: ${rootMessage(err)}`);
    await handle.terminate(`the fault suite: the run did not end within ${deadlineMs / 1000} s`).catch(() => undefined);
    await result.catch(() => undefined);
    return `run did not end within ${deadlineMs / 1000} s (${pending}); terminated`;
  } catch (err) {
    return rootMessage(err);
  } finally {
    clearTimeout(timer);
  }
}

/** The run's pending steps: each with its attempt, whether a worker has it, and its last heartbeat. */
async function pendingSteps(handle: WorkflowHandle): Promise<string> {
  const steps = (await snapshot(handle)).activities.map(
    (a) => `${a.type} attempt ${a.attempt} ${a.started ? 'started' : 'not started'}${a.lastHeartbeat ? `, last heartbeat ${a.lastHeartbeat}` : ''}`,
  );
  return steps.length > 0 ? `pending: ${steps.join('; ')}` : 'no step pending';
}

/** Ends a faulted run: waits for its result and compares its warehouse with the clean run's. */
async function verdict(ctx: ChaosContext, handle: WorkflowHandle, warehouse: string): Promise<string | undefined> {
  const failed = await resultOf(handle);
  if (failed) return `run ${handle.workflowId} failed: ${failed}`;
  const diff = differences(ctx.want, await warehouseFingerprint(warehouse));
  return diff.length > 0 ? `run ${handle.workflowId} tables differ: ${diff.join('; ')}` : undefined;
}

/** A clean run on a fresh database: the fingerprint the faulted runs are compared with. */
export async function cleanRun(temporal: ChaosTemporal, pg: ChaosPostgres, source: string, window: RunWindow, env?: NodeJS.ProcessEnv) {
  const warehouse = await pg.createDatabase('clean');
  const lane = new Lane({ temporal, source, warehouse, env });
  try {
    await lane.startWorker();
    const started = Date.now();
    const failed = await resultOf(await lane.start(window));
    if (failed) throw new Error(`the clean run failed: ${failed}`);
    return { fingerprint: await warehouseFingerprint(warehouse), ms: Date.now() - started };
  } finally {
    await lane.stop();
  }
}

/** The kill targets of every lane, in DAG order: every step at least once when there are enough kills. */
export function killPlan(lanes: number, killsPerLane: number, random: () => number): EtlStep[][] {
  const targets = Array.from({ length: lanes * killsPerLane }, (_, i) => ETL_STEPS[i % ETL_STEPS.length]);
  for (let i = targets.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [targets[i], targets[j]] = [targets[j], targets[i]];
  }
  return Array.from({ length: lanes }, (_, l) =>
    targets.slice(l * killsPerLane, (l + 1) * killsPerLane).sort((a, b) => ETL_STEPS.indexOf(a) - ETL_STEPS.indexOf(b)),
  );
}

/**
 * Worker killed: each lane runs the ETL with a worker process and kill -9s it at its planned
 * steps, a random moment into each; a new worker starts at once and must pick the run up.
 */
export async function workerKilled(ctx: ChaosContext, lanes: number, killsPerLane: number): Promise<FaultReport> {
  const report: FaultReport = { kind: 'worker killed', injected: 0, survived: 0, resumeMs: [], notes: [] };
  const plan = killPlan(lanes, killsPerLane, ctx.random);
  await Promise.all(
    plan.map(async (targets, l) => {
      const warehouse = await ctx.pg.createDatabase(`kill${l}`);
      const lane = new Lane({ temporal: ctx.temporal, source: ctx.source, warehouse, logDir: ctx.logDir });
      try {
        await lane.startWorker();
        const handle = await lane.start(ctx.window);
        const kills: Resume[] = [];
        for (const target of targets) {
          const seen = await whenRunning(handle, target);
          if (!seen) break;
          await sleep(Math.floor(ctx.random() * 300));
          const before = await snapshot(handle);
          if (before.closed) break;
          await lane.killWorker();
          const killedAt = Date.now();
          report.injected++;
          await lane.startWorker();
          const resume = await resumedAfter(handle, before, killedAt);
          kills.push(resume);
          ctx.log(`  lane ${l}: killed during ${runningSteps(before)}; resumed after ${describeResume(resume)}`);
        }
        const problem = await verdict(ctx, handle, warehouse);
        if (problem) report.notes.push(problem);
        for (const k of kills) {
          report.resumeMs.push(k.ms);
          const slow = slowResume(k);
          if (slow) report.notes.push(`lane ${l}: ${slow}`);
          if (!problem && !slow) report.survived++;
        }
      } finally {
        await lane.stop();
      }
    }),
  );
  return report;
}

/** PostgreSQL restarted: one run at a time, the server is stopped hard and started mid-run. */
export function postgresRestarted(ctx: ChaosContext, restarts: number): Promise<FaultReport> {
  return restartedMidRun(ctx, { kind: 'postgres restarted', database: 'pgrestart', restarts, restart: () => ctx.pg.restart() });
}

/**
 * S3 failing: the workers read the source through the fault proxy, which answers 500, 503 and
 * SlowDown, cuts object downloads halfway and stalls some halfway (the connection left open) for a
 * while; then S3 behaves again. The workers' idle limit is 5 s here (60 s by default), so a stalled
 * read fails and its step retries within the fault's window.
 */
export async function s3Failing(ctx: ChaosContext, proxy: S3FaultProxy, s3Source: string, faults: number): Promise<FaultReport> {
  const report: FaultReport = { kind: 's3 failing', injected: 0, survived: 0, resumeMs: [], notes: [] };
  const warehouse = await ctx.pg.createDatabase('s3faults');
  const env = { SPARKIFY_S3_ENDPOINT: proxy.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', SPARKIFY_S3_READ_TIMEOUT: '5' };
  const lane = new Lane({ temporal: ctx.temporal, source: s3Source, warehouse, env, logDir: ctx.logDir });
  try {
    await lane.startWorker();
    const c = proxy.counts;
    const injected = () => c.internalError + c.serviceUnavailable + c.slowDown + c.droppedMidObject + c.stalledMidObject;
    const start = injected();
    proxy.enable({ errors: 0.25, drops: 0.2, stalls: 0.05 });
    const handle = await lane.start(ctx.window);
    const until = Date.now() + 120_000;
    while (injected() - start < faults && Date.now() < until) {
      if ((await snapshot(handle)).closed) break;
      await sleep(50);
    }
    proxy.disable();
    report.injected = injected() - start;
    const problem = await verdict(ctx, handle, warehouse);
    if (problem) report.notes.push(problem);
    else report.survived = report.injected;
    report.resumeMs.push(...proxy.recoveries.splice(0));
    report.notes.push(
      `500 InternalError ×${c.internalError}, 503 ServiceUnavailable ×${c.serviceUnavailable}, SlowDown ×${c.slowDown}, dropped mid-object ×${c.droppedMidObject}, stalled mid-object ×${c.stalledMidObject}`,
    );
  } finally {
    proxy.disable();
    await lane.stop();
  }
  return report;
}

/** Temporal restarted: the dev server (state in its SQLite file) stops and starts mid-run. */
export function temporalRestarted(ctx: ChaosContext, restarts: number): Promise<FaultReport> {
  return restartedMidRun(ctx, { kind: 'temporal restarted', database: 'temporal', restarts, restart: () => ctx.temporal.restart() });
}

/**
 * One run at a time: once a randomly chosen step is running, `restart` takes a component down and
 * brings it back; the run must resume and end with the clean run's tables.
 */
async function restartedMidRun(
  ctx: ChaosContext,
  fault: { kind: string; database: string; restarts: number; restart: () => Promise<void> },
): Promise<FaultReport> {
  const report: FaultReport = { kind: fault.kind, injected: 0, survived: 0, resumeMs: [], notes: [] };
  const steps = ETL_STEPS.filter((s) => s !== 'writeReport');
  for (let i = 0; i < fault.restarts; i++) {
    const warehouse = await ctx.pg.createDatabase(`${fault.database}${i}`);
    const lane = new Lane({ temporal: ctx.temporal, source: ctx.source, warehouse, logDir: ctx.logDir });
    try {
      await lane.startWorker();
      const handle = await lane.start(ctx.window);
      const target = steps[Math.floor(ctx.random() * steps.length)];
      const before = await whenRunning(handle, target);
      if (!before) {
        report.notes.push(`run ${i}: ended before ${target}; no restart`);
        continue;
      }
      const at = Date.now();
      await fault.restart();
      report.injected++;
      const resume = await resumedAfter(handle, before, at);
      report.resumeMs.push(resume.ms);
      ctx.log(`  restart ${i + 1}: during ${runningSteps(before)}; resumed after ${describeResume(resume)}`);
      const problem = await verdict(ctx, handle, warehouse);
      if (problem) report.notes.push(problem);
      else report.survived++;
    } finally {
      await lane.stop();
    }
  }
  return report;
}

/**
 * Attempts overlap: the worker is frozen (SIGSTOP) in the middle of a writing step, so its
 * attempt outlives the heartbeat timeout and a second worker runs the retry; then the first is
 * thawed (SIGCONT) and its stale attempt goes on. Nothing may be staged or published twice or lost.
 */
export async function attemptsOverlap(ctx: ChaosContext, overlaps: number): Promise<FaultReport> {
  const report: FaultReport = { kind: 'attempts overlap', injected: 0, survived: 0, resumeMs: [], notes: [] };
  const writers: EtlStep[] = ['stageEvents', 'stageSongs', 'loadSongs', 'loadArtists', 'loadUsers', 'loadTime', 'loadSongplays'];
  await Promise.all(
    Array.from({ length: overlaps }, async (_, i) => {
      const warehouse = await ctx.pg.createDatabase(`overlap${i}`);
      const lane = new Lane({ temporal: ctx.temporal, source: ctx.source, warehouse, logDir: ctx.logDir });
      try {
        const frozen = await lane.startWorker();
        const handle = await lane.start(ctx.window);
        const target = writers[(i + Math.floor(ctx.random() * writers.length)) % writers.length];
        const before = await whenRunning(handle, target);
        if (!before) {
          report.notes.push(`overlap ${i}: run ended before ${target}`);
          return;
        }
        frozen.child.kill('SIGSTOP');
        const at = Date.now();
        report.injected++;
        await lane.startWorker();
        const resume = await resumedAfter(handle, before, at);
        report.resumeMs.push(resume.ms);
        // The retry runs on the second worker; now the old attempt wakes up and carries on.
        await sleep(Math.floor(ctx.random() * 3000));
        frozen.child.kill('SIGCONT');
        ctx.log(`  overlap ${i}: froze the worker during ${runningSteps(before)}; retry started after ${describeResume(resume)}; thawed`);
        const problem = await verdict(ctx, handle, warehouse);
        if (problem) report.notes.push(problem);
        else report.survived++;
      } finally {
        await lane.stop();
      }
    }),
  );
  return report;
}
