/**
 * Two runs over the same files, the first killed mid-staging (issue 12) and then terminated: the
 * dead attempt's staging rows are never seen or counted by the second run, which records the
 * terminated one failed as it starts, and once the second run completes
 * (SPARKIFY_STAGING_RETENTION_DAYS=0 on its worker) staging holds no rows of either.
 * On the Redshift emulator and on PostgreSQL, with real components: worker child processes
 * (bin/sparkify.js), the Data API emulator, a throwaway PostgreSQL, loopback S3 and a Temporal
 * dev server.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { RunSummary } from '../src/etl/types';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import type { etlRun } from '../src/workflows/etl';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { ensureBuilt } from './harness/build';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { pollUntil } from './support/poll';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';
import { dumpStarTables } from './support/tables';
import { activitiesInFlight, activityOutcome } from './harness/activityHistory';
import { SPARKIFY_BIN as BIN } from './support/cli';

const BUCKET = 'sparkify-raw';
const COPY_EVENTS = /^COPY copy_events /;
/** temporal.api.enums.v1.PendingActivityState: a worker has the activity. */
const PENDING_ACTIVITY_STATE_STARTED = 2;

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
let source: string;
const emulators: RedshiftEmulator[] = [];
const workers: ChildProcess[] = [];
const lockers: Client[] = [];

/** Three days of the sample's logs and five of its song files, uploaded under `subset/`. */
async function uploadSubset(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-killed-'));
  try {
    const keys = [
      ...['01', '02', '03'].map((d) => `log_data/2018/11/2018-11-${d}-events.json`),
      ...fs.readdirSync(path.join(SAMPLE_DIR, 'song_data/A/A/A')).sort().slice(0, 5).map((f) => `song_data/A/A/A/${f}`),
    ];
    for (const key of keys) {
      fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
      fs.copyFileSync(path.join(SAMPLE_DIR, key), path.join(dir, key));
    }
    await uploadDirectory(s3, dir, BUCKET, 'subset/');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return `s3://${BUCKET}/subset`;
}

beforeAll(async () => {
  // The workers run as `bin/sparkify.js` over dist/, so it must be built from the current source.
  ensureBuilt();
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
  source = await uploadSubset();
});

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  for (const l of lockers) await l.end().catch(() => undefined);
  for (const e of emulators) await e.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

/**
 * A fresh warehouse of one engine, and a way to hold run A's events staging in flight: the
 * emulator holds the events COPY; on PostgreSQL the test locks staging_events against writes.
 */
interface Target {
  uri: string;
  open(): Warehouse;
  /** Before run A starts: from now on, events staging blocks. */
  holdEventsStaging(): Promise<void>;
  /** Resolves once the worker's events staging is blocked on the hold. */
  whenHeld(): Promise<void>;
  /** After the kill: lets the orphaned staging statement go on, and waits until it has ended. */
  releaseOrphan(): Promise<void>;
}

async function newRedshift(): Promise<Target> {
  const emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'killed'), s3: s3.settings });
  emulators.push(emulator);
  const query = new URLSearchParams({
    dbUser: 'etl',
    region: 'us-east-1',
    iamRole: 'arn:aws:iam::123456789012:role/sparkify-copy',
    endpoint: emulator.endpoint,
  });
  const uri = `redshift-data://cluster/sparkify/dev?${query}`;
  let copyId = '';
  return {
    uri,
    open: () => new RedshiftWarehouse(parseRedshiftUri(uri)),
    holdEventsStaging: async () => emulator.hold(COPY_EVENTS),
    whenHeld: async () => {
      copyId = await emulator.waitUntilHeld(COPY_EVENTS, 150_000);
    },
    releaseOrphan: async () => {
      // Redshift finishes a statement whose client died, so the dead run's COPY batch commits.
      emulator.release(COPY_EVENTS);
      await emulator.statement(copyId)!.done;
      expect(emulator.statement(copyId)!.status).toBe('FINISHED');
    },
  };
}

async function newPostgres(): Promise<Target> {
  const uri = await createTestDatabase(pg.url, 'killed');
  const locker = new Client({ connectionString: uri });
  lockers.push(locker);
  let blocked: number[] = [];
  return {
    uri,
    open: () => new PostgresWarehouse(uri),
    holdEventsStaging: async () => {
      // The table exists before the run (createSchema's CREATE TABLE IF NOT EXISTS then takes no
      // conflicting lock); EXCLUSIVE lets readers through and blocks every write.
      await locker.connect();
      for (const statement of sqlStatements('schema/staging_events', 'postgres')) await locker.query(statement);
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE staging_events IN EXCLUSIVE MODE');
    },
    whenHeld: async () => {
      let sessions = '';
      blocked = await pollUntil(
        'a worker session blocked on the staging_events lock',
        async () => {
          // The locker is inside its transaction, where pg_stat_activity is a cached snapshot.
          await locker.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await locker.query(
            'SELECT pid, state, wait_event_type, LEFT(query, 100) AS query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          sessions = JSON.stringify(rows);
          const waiting = rows.filter((r: { wait_event_type: string | null }) => r.wait_event_type === 'Lock');
          return waiting.length > 0 ? waiting.map((r: { pid: number }) => r.pid) : undefined;
        },
        { lastSeen: () => sessions },
      );
    },
    releaseOrphan: async () => {
      await locker.query('COMMIT');
      // The dead worker's sessions end once they next read from their closed connection.
      await pollUntil(`the dead worker's sessions ${blocked.join(', ')} to end`, async () => {
        await locker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await locker.query('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [blocked]);
        return rows.length === 0 ? true : undefined;
      });
    },
  };
}

const TARGETS: Record<string, () => Promise<Target>> = { redshift: newRedshift, postgres: newPostgres };

function startWorkerProcess(taskQueue: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker', '--temporal', temporal.server.address], {
    env: {
      ...process.env,
      TEMPORAL_NAMESPACE: temporal.server.namespace,
      SPARKIFY_TASK_QUEUE: taskQueue,
      SPARKIFY_S3_ENDPOINT: s3.settings.endpoint,
      AWS_ACCESS_KEY_ID: s3.settings.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.settings.secretAccessKey,
      AWS_REGION: 'us-east-1',
      SPARKIFY_LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

async function startRun(taskQueue: string, uri: string, name: string): Promise<WorkflowHandle<typeof etlRun>> {
  return temporal.client.workflow.start<typeof etlRun>('etlRun', {
    taskQueue,
    workflowId: `${name}-${Date.now()}`,
    args: [{ source, warehouse: uri, heartbeatTimeout: '3s' }],
  });
}

/**
 * Activity types scheduled and completed in the history, and those a worker is running now
 * (Temporal writes a retried activity's started event only when it ends, so "running" comes
 * from the pending activities).
 */
async function activityProgress(handle: WorkflowHandle<typeof etlRun>): Promise<{ scheduled: string[]; completed: string[]; running: string[] }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOfScheduled = new Map<string, string>();
  const completed: string[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOfScheduled.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const c = e.activityTaskCompletedEventAttributes;
    if (c) completed.push(typeOfScheduled.get(String(c.scheduledEventId)) ?? '?');
  }
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  const running = pending
    .filter((p) => Number(p.state) === PENDING_ACTIVITY_STATE_STARTED)
    .map((p) => p.activityType?.name ?? '?');
  return { scheduled: [...typeOfScheduled.values()], completed, running };
}

/** Row counts per run id in the two staging tables. */
async function stagingByRun(warehouse: Warehouse): Promise<Record<string, { events: number; songs: number }>> {
  const out: Record<string, { events: number; songs: number }> = {};
  for (const kind of ['events', 'songs'] as const) {
    for (const row of await warehouse.query(`SELECT run_id, COUNT(*) AS n FROM staging_${kind} GROUP BY run_id`)) {
      const entry = (out[String(row.run_id)] ??= { events: 0, songs: 0 });
      entry[kind] = Number(row.n);
    }
  }
  return out;
}

const comparable = (s: RunSummary) => ({
  staging: { events: { ...s.staging.events }, songs: { ...s.staging.songs } },
  matches: s.matches,
  tables: s.tables,
  checks: s.checks.map((c) => [c.name, c.status, c.failingCount]),
});

describe.each(Object.keys(TARGETS))('%s: a run killed mid-staging, then a re-run over the same files', (engine) => {
  test("the re-run counts and publishes none of the dead run's rows, and its cleanup leaves no completed run in staging", async () => {
    // A clean run over the same files, on its own warehouse: what the re-run must equal.
    const clean = await TARGETS[engine]();
    const cleanQueue = `clean-${Date.now()}`;
    startWorkerProcess(cleanQueue);
    const cleanSummary = await (await startRun(cleanQueue, clean.uri, 'clean')).result();

    const target = await TARGETS[engine]();
    const uri = target.uri;
    const warehouse = target.open();
    try {
      // Run A: its events staging is held in flight; songs staging is let through and completes.
      await target.holdEventsStaging();
      const queueA = `killed-${Date.now()}`;
      const workerA = startWorkerProcess(queueA);
      const runA = await startRun(queueA, uri, 'run-a');
      await target.whenHeld();
      // The activity the kill interrupts: stageEvents, started on worker A and not closed in the history.
      const interrupted = await pollUntil('run A to complete stageSongs while a worker runs its held stageEvents', async () => {
        const progress = await activityProgress(runA);
        if (!progress.completed.includes('stageSongs')) return undefined;
        return (await activitiesInFlight(runA)).find((a) => a.activityType === 'stageEvents');
      });
      const exited = new Promise((resolve) => workerA.once('exit', resolve));
      workerA.kill('SIGKILL');
      await exited;

      // The kill landed mid-staging: stageEvents was running and never completed, nothing past
      // staging was scheduled.
      const atKill = await activityProgress(runA);
      expect(atKill.completed).not.toContain('stageEvents');
      expect(atKill.scheduled.filter((t) => !['createSchema', 'listEventFiles', 'listSongFiles', 'stageEvents', 'stageSongs'].includes(t))).toEqual([]);
      // Run A leaves staging rows behind: its songs, and on Redshift its events too (the
      // warehouse finishes the orphaned COPY batch); PostgreSQL rolls the dead session back.
      await target.releaseOrphan();
      const runAId = (await runA.describe()).runId;
      const leftByA = (await stagingByRun(warehouse))[runAId];
      expect(leftByA?.songs).toBeGreaterThan(0);
      if (engine === 'redshift') expect(leftByA?.events).toBeGreaterThan(0);

      // What an operator does with a run whose worker died: terminate it.
      await runA.terminate('worker killed mid-staging');
      expect((await runA.describe()).status.name).toBe('TERMINATED');
      // The interrupted attempt never completed, and the terminated run did not retry it.
      const outcome = await activityOutcome(runA, interrupted.activityId);
      expect(outcome).toMatchObject({ activityType: 'stageEvents', scheduled: 1, completed: false });
      expect(outcome.lastAttempt).toBeLessThanOrEqual(1);

      // Run B over the same files, on a worker that clears a run's staging as it completes.
      const queueB = `rerun-${Date.now()}`;
      startWorkerProcess(queueB, { SPARKIFY_STAGING_RETENTION_DAYS: '0' });
      const runB = await startRun(queueB, uri, 'run-b');
      const summaryB = await runB.result();

      expect(summaryB.runId).not.toBe(runAId);
      expect(summaryB.staging.events.recordsStaged).toBeGreaterThan(0);
      expect(comparable(summaryB)).toEqual(comparable(cleanSummary));
      const cleanWarehouse = clean.open();
      try {
        expect(await dumpStarTables(warehouse)).toEqual(await dumpStarTables(cleanWarehouse));
      } finally {
        await cleanWarehouse.close();
      }

      // After B's cleanup: B is recorded completed, and no completed run has staging rows left.
      expect(await warehouse.query(`SELECT status FROM etl_runs WHERE run_id = '${summaryB.runId}'`)).toEqual([{ status: 'completed' }]);
      expect(
        await warehouse.query(
          "SELECT run_id FROM staging_events WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed') " +
            "UNION SELECT run_id FROM staging_songs WHERE run_id IN (SELECT run_id FROM etl_runs WHERE status = 'completed')",
        ),
      ).toEqual([]);
      // A, terminated, recorded nothing itself: B's first step asked Temporal and recorded it failed
      // (src/ledger/abandonedRuns.ts), so its rows went with B's cleanup too (on Redshift they
      // stayed: a multi-file COPY's rows carry no key for B's staging to replace them by).
      expect(await warehouse.query(`SELECT status FROM etl_abandoned_runs WHERE run_id = '${runAId}'`)).toEqual([{ status: 'terminated' }]);
      expect(await stagingByRun(warehouse)).toEqual({});
    } finally {
      await warehouse.close();
    }
  });
});
