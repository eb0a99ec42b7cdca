import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { RedshiftWarehouse } from '../src/warehouse/redshift';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { ensureBuilt } from './harness/build';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import type { etlRun } from '../src/workflows/etl';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';
import { dumpStarTables } from './support/tables';
import { activitiesInFlight, activityOutcome } from './harness/activityHistory';
import { describeRedshiftTargets, liveRedshift } from './support/redshiftLive';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../src/source/s3Client';
import { pollUntil } from './support/poll';
import { SPARKIFY_BIN as BIN } from './support/cli';

let temporal: TestTemporal;
let pg: PgServer;
let s3: S3Server;
const BUCKET = 'sparkify-raw';
const emulators: RedshiftEmulator[] = [];

const live = liveRedshift();

beforeAll(async () => {
  console.info(describeRedshiftTargets(live));
  // The Data API client signs with the standard credential chain; the emulator accepts any key.
  process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  // Each case uploads the small data set it needs (the full sample's case is redshiftSample.test.ts).
  [temporal, pg, s3] = await Promise.all([startTestTemporal(), startPostgres(), startS3()]);
});

afterAll(async () => {
  for (const e of emulators) await e.stop();
  await temporal?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
});

/** A fresh database behind a fresh emulator, and the warehouse URI that reaches it. */
async function newRedshift(params: Record<string, string> = {}): Promise<{ emulator: RedshiftEmulator; uri: string }> {
  const emulator = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'rs'), s3: s3.settings });
  emulators.push(emulator);
  const query = new URLSearchParams({
    dbUser: 'etl',
    region: 'us-east-1',
    iamRole: 'arn:aws:iam::123456789012:role/sparkify-copy',
    endpoint: emulator.endpoint,
    ...params,
  });
  return { emulator, uri: `redshift-data://cluster/sparkify/dev?${query}` };
}

const COPY_EVENTS = /^COPY copy_events /;

// The real sample compared with PostgreSQL: test/redshiftSample.test.ts (its own file, so it runs beside this one).

/** A small data set: two days of the sample's logs and three song files, with optional damage. */
function smallDataSet(damage?: (eventsOfNov2: string[]) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-rs-'));
  const copy = (key: string, edit?: (lines: string[]) => void): void => {
    const lines = fs.readFileSync(path.join(SAMPLE_DIR, key), 'utf8').split('\n');
    edit?.(lines);
    fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), lines.join('\n'));
  };
  copy('log_data/2018/11/2018-11-02-events.json', damage);
  copy('log_data/2018/11/2018-11-03-events.json');
  for (const f of fs.readdirSync(path.join(SAMPLE_DIR, 'song_data/A/A/A')).slice(0, 3)) copy(`song_data/A/A/A/${f}`);
  return dir;
}

async function uploadSmall(name: string, damage?: (lines: string[]) => void): Promise<string> {
  const dir = smallDataSet(damage);
  try {
    await uploadDirectory(s3, dir, BUCKET, `${name}/`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return `s3://${BUCKET}/${name}`;
}

/**
 * 2018-11-02's log with line 3's itemInSession not a number (COPY rejects it) and line 5 without
 * a sessionId (COPY loads it; the client parser's rule, applied in SQL, rejects it).
 */
const BAD_LINE = 3;
const INCOMPLETE_LINE = 5;
function damageLines(lines: string[]): void {
  lines[BAD_LINE - 1] = lines[BAD_LINE - 1].replace(/"itemInSession":\d+/, '"itemInSession":"third"');
  lines[INCOMPLETE_LINE - 1] = lines[INCOMPLETE_LINE - 1].replace(/"sessionId":\d+,/, '');
  if (!lines[BAD_LINE - 1].includes('"third"') || lines[INCOMPLETE_LINE - 1].includes('sessionId')) throw new Error('the sample lines changed');
}

describe('bad records in a COPY', () => {
  let source: string;
  beforeAll(async () => {
    source = await uploadSmall('damaged', damageLines);
  });

  test('with MAXERROR 0 the run fails, without retry, naming file, line, column and reason', async () => {
    const { emulator, uri } = await newRedshift({ maxError: '0' });
    const worker = await temporal.worker({ s3: s3.settings });
    const error = await worker.run({ source, warehouse: uri, maxRejectRate: 0.5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activity = (error as WorkflowFailedError).cause as { activityType?: string; cause?: { message: string; nonRetryable?: boolean } };
    expect(activity.activityType).toBe('stageEvents');
    expect(activity.cause?.nonRetryable).toBe(true);
    expect(activity.cause?.message).toContain(`log_data/2018/11/2018-11-02-events.json:${BAD_LINE} column iteminsession`);
    expect(activity.cause?.message).toMatch(/Invalid digit/);
    expect(activity.cause?.message).toContain('MAXERROR 0');
    expect(emulator.submissionCount(COPY_EVENTS)).toBe(1);
  });

  test('with a higher MAXERROR the run succeeds and reports the rejected record', async () => {
    const { uri } = await newRedshift({ maxError: '10' });
    const worker = await temporal.worker({ s3: s3.settings });
    const summary = await worker.run({ source, warehouse: uri, maxRejectRate: 0.5 });
    const records = ['2018-11-02', '2018-11-03']
      .map((d) => fs.readFileSync(path.join(SAMPLE_DIR, `log_data/2018/11/${d}-events.json`), 'utf8').split('\n').filter((l) => l.trim()).length)
      .reduce((a, b) => a + b);
    expect(summary.staging.events).toMatchObject({ recordsRead: records, recordsStaged: records - 2, recordsRejected: 2 });
    expect(summary.rejected.count).toBe(2);
    expect(summary.rejected.samples).toEqual([
      { sourceKey: 'log_data/2018/11/2018-11-02-events.json', sourceLine: BAD_LINE, reason: expect.stringMatching(/^column iteminsession \(int4\): Invalid digit/) },
      // COPY cannot say which file or line a loaded row came from.
      { sourceKey: '', sourceLine: 0, reason: 'field "sessionId" is missing' },
    ]);
    // records read = staged + rejected holds, so the reconciliation check passes.
    expect(summary.checks.find((c) => c.name === 'staging_events reconciles with source')?.status).toBe('pass');
    const warehouse = new RedshiftWarehouse(parseRedshiftUri(uri));
    try {
      const rejected = await warehouse.query(
        `SELECT kind, source_key, source_line, reason FROM etl_rejected_records WHERE run_id = '${summary.runId}' ORDER BY source_key, source_line`,
      );
      expect(rejected).toEqual([
        { kind: 'events', source_key: 'log_data/2018/11/2018-11-02-events.json', source_line: BAD_LINE, reason: summary.rejected.samples[0].reason },
        { kind: 'events', source_key: null, source_line: null, reason: 'field "sessionId" is missing' },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});

if (live) {
  describe('the ETL workflow on a real Redshift (live test mode)', () => {
    test('the real sample gives the same star tables and ledger as the PostgreSQL warehouse', async () => {
      // The sample goes to the live prefix once; both runs read it from real S3.
      const aws = createS3Client({});
      const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(live.s3Prefix)!;
      const files = fs.readdirSync(SAMPLE_DIR, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
      for (const f of files) {
        const local = path.join(f.parentPath, f.name);
        const key = `${m[2]}udacity/${path.relative(SAMPLE_DIR, local).split(path.sep).join('/')}`;
        await aws.send(new PutObjectCommand({ Bucket: m[1], Key: key, Body: fs.readFileSync(local) }));
      }
      aws.destroy();
      const source = `${live.s3Prefix}udacity`;
      const pgUrl = await createTestDatabase(pg.url, 'live');
      const worker = await temporal.worker({ s3: {} });
      await worker.during(() => Promise.all([worker.start({ source, warehouse: live.uri }), worker.start({ source, warehouse: pgUrl })].map((h) => h.then((x) => x.result()))));
      const redshift = new RedshiftWarehouse(parseRedshiftUri(live.uri));
      const postgres = new PostgresWarehouse(pgUrl);
      try {
        expect(await dumpStarTables(redshift)).toEqual(await dumpStarTables(postgres));
        const ledger = 'SELECT kind, source_key, records, rejects FROM etl_load_ledger ORDER BY kind, source_key';
        expect(await redshift.query(ledger)).toEqual(await postgres.query(ledger));
      } finally {
        await Promise.all([redshift.close(), postgres.close()]);
      }
    });
  });
}

describe('a run over one log file (a daily run)', () => {
  test("tags its staging rows and parser-rule rejects with the file's key, so the ledger counts them", async () => {
    const source = await uploadSmall('one-day', damageLines);
    const { uri } = await newRedshift({ maxError: '10' });
    const worker = await temporal.worker({ s3: s3.settings });
    const summary = await worker.run({ source, warehouse: uri, maxRejectRate: 0.5, window: { from: '2018-11-02', to: '2018-11-02' } });
    const key = 'log_data/2018/11/2018-11-02-events.json';
    const warehouse = new RedshiftWarehouse(parseRedshiftUri(uri));
    try {
      expect(await warehouse.query(`SELECT source_key, COUNT(*) AS n FROM staging_events WHERE run_id = '${summary.runId}' GROUP BY source_key`)).toEqual([
        { source_key: key, n: summary.staging.events.recordsStaged },
      ]);
      expect(await warehouse.query(`SELECT source_key, reason FROM etl_rejected_records WHERE run_id = '${summary.runId}' AND source_line IS NULL`)).toEqual([
        { source_key: key, reason: 'field "sessionId" is missing' },
      ]);
      expect(await warehouse.query(`SELECT records, rejects FROM etl_load_ledger WHERE source_key = '${key}'`)).toEqual([
        { records: summary.staging.events.recordsStaged, rejects: 2 },
      ]);
    } finally {
      await warehouse.close();
    }
  });
});

describe('the Data API answering busy', () => {
  test('throttling and the active-statement quota are waited out and the run completes', async () => {
    const source = await uploadSmall('throttled');
    const { emulator, uri } = await newRedshift();
    // Submissions refused first (the SDK does not retry this one), then every call throttled,
    // more times in a row than the SDK's own three attempts absorb.
    emulator.injectThrottling(4, 'ActiveStatementsExceededException');
    emulator.hold(COPY_EVENTS);
    const worker = await temporal.worker({ s3: s3.settings });
    const summary = await worker.during(async () => {
      const handle = await worker.start({ source, warehouse: uri });
      await emulator.waitUntilHeld(COPY_EVENTS);
      emulator.injectThrottling(8, 'ThrottlingException');
      emulator.release(COPY_EVENTS);
      return handle.result();
    });
    expect(summary.staging.events.recordsRejected).toBe(0);
    expect(summary.staging.events.recordsStaged).toBe(summary.staging.events.recordsRead);
    expect(emulator.submissionCount(COPY_EVENTS)).toBe(1);
  });
});

describe('cancelling a run', () => {
  test('cancels the statement in flight (CancelStatement)', async () => {
    const source = await uploadSmall('cancelled');
    const { emulator, uri } = await newRedshift();
    emulator.hold(COPY_EVENTS);
    const worker = await temporal.worker({ s3: s3.settings });
    const { outcome, statement } = await worker.during(async () => {
      const handle = await worker.start({ source, warehouse: uri, heartbeatTimeout: '2s' });
      const id = await emulator.waitUntilHeld(COPY_EVENTS);
      await handle.cancel();
      const held = emulator.statement(id)!;
      // Ends only when cancelled: the hold is never released.
      await held.done;
      return { outcome: await handle.result().catch((e: unknown) => e), statement: held };
    });
    expect(statement.cancelRequested).toBe(true);
    expect(statement.status).toBe('ABORTED');
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(String((outcome as WorkflowFailedError).cause?.name)).toMatch(/Cancelled/);
  });
});

describe('a worker killed during a COPY', () => {
  const workers: ChildProcess[] = [];

  beforeAll(() => {
    // The worker runs as `bin/sparkify.js` over dist/, so it must be built from the current source.
    ensureBuilt();
  });

  afterAll(() => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  });

  function startWorkerProcess(taskQueue: string): ChildProcess {
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
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  /** The pending activity whose last recorded heartbeat names the statement: its id and attempt. */
  async function heartbeatNames(handle: WorkflowHandle<typeof etlRun>, statementId: string): Promise<{ activityId: string; attempt: number }> {
    return pollUntil(`a pending activity's heartbeat to name statement ${statementId}`, async () => {
      const description = await handle.describe();
      for (const pending of description.raw.pendingActivities ?? []) {
        const payloads = pending.heartbeatDetails?.payloads ?? [];
        if (payloads.some((p) => Buffer.from(p.data ?? []).toString('utf8').includes(statementId))) {
          return { activityId: pending.activityId ?? '', attempt: pending.attempt ?? 1 };
        }
      }
      return undefined;
    });
  }

  test('the next worker re-attaches to the COPY, which runs exactly once, and the run completes', async () => {
    // Two days of logs and three song files: the COPY is what is killed, not the data's size.
    const source = await uploadSmall('killed-copy');
    const records = ['2018-11-02', '2018-11-03']
      .map((d) => fs.readFileSync(path.join(SAMPLE_DIR, `log_data/2018/11/${d}-events.json`), 'utf8').split('\n').filter((l) => l.trim()).length)
      .reduce((a, b) => a + b);
    // An undisturbed run over the same files, on its own warehouse, alongside: what the killed run must equal.
    const clean = await newRedshift();
    const cleanWorker = await temporal.worker({ s3: s3.settings });
    const cleanRun = cleanWorker.run({ source, warehouse: clean.uri });
    cleanRun.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const { emulator, uri } = await newRedshift();
    emulator.hold(COPY_EVENTS);
    const taskQueue = `rs-kill-${Date.now()}`;
    const first = startWorkerProcess(taskQueue);
    const handle = await temporal.client.workflow.start<typeof etlRun>('etlRun', {
      taskQueue,
      workflowId: `rs-kill-${Date.now()}`,
      args: [{ source, warehouse: uri, heartbeatTimeout: '3s' }],
    });
    const copyId = await emulator.waitUntilHeld(COPY_EVENTS, 150_000);
    const holder = await heartbeatNames(handle, copyId);
    // In flight when the worker dies: started on it, not closed in the history.
    expect((await activitiesInFlight(handle)).map((a) => a.activityId)).toContain(holder.activityId);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;

    startWorkerProcess(taskQueue);
    emulator.release(COPY_EVENTS);
    const summary = await handle.result();

    expect(emulator.submissionCount(COPY_EVENTS)).toBe(1);
    expect(summary.staging.events).toMatchObject({ recordsRead: records, recordsStaged: records, recordsRejected: 0 });
    // The activity that held the COPY ran again (a later attempt, on the second worker), attached to
    // the same statement, and completed.
    const outcome = await activityOutcome(handle, holder.activityId);
    expect(outcome).toEqual({ activityType: 'stageEvents', lastAttempt: expect.any(Number), scheduled: 1, completed: true });
    expect(outcome.lastAttempt).toBeGreaterThan(holder.attempt);
    const warehouse = new RedshiftWarehouse(parseRedshiftUri(uri));
    try {
      const [{ n }] = await warehouse.query(`SELECT COUNT(*) AS n FROM staging_events WHERE run_id = '${summary.runId}'`);
      expect(n).toBe(records);
      await cleanRun;
      const cleanWarehouse = new RedshiftWarehouse(parseRedshiftUri(clean.uri));
      try {
        const want = await dumpStarTables(cleanWarehouse);
        expect(want.songplays.length).toBeGreaterThan(0);
        expect(await dumpStarTables(warehouse)).toEqual(want);
      } finally {
        await cleanWarehouse.close();
      }
    } finally {
      await warehouse.close();
    }
  });
});
