/**
 * A cancelled activity stops its statements on the server: the reads of the checks and the report,
 * the schema's creation and the attempt's claim included. They were sent without the attempt's
 * cancellation, so a cancelled step's statement ran (or waited on a lock) until it ended on its own.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import type { StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { deadline, lockWaitObserver, type LockWaitObserver } from './support/waits';
import { pollUntil } from './support/poll';
import { SAMPLE_DIR } from './harness/temporal';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

/** Far longer than a cancel takes: a query left waiting on the lock shows as this. */
const HUNG_MS = 30_000;

let server: PgServer;
let url: string;
let reportDir: string;
let activities: ReturnType<typeof createActivities>;
/** Takes a lock the activity's query waits on. */
let holder: pg.Client;
let observer: LockWaitObserver;

beforeAll(async () => {
  server = await startPostgres();
  url = await createTestDatabase(server.url, 'activity_cancel');
  reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-activity-cancel-'));
  activities = createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger });
  await activities.createSchema({ warehouse: '' });
  holder = new pg.Client({ connectionString: url });
  await holder.connect();
  observer = await lockWaitObserver(url);
});

afterAll(async () => {
  await holder?.end().catch(() => undefined);
  await observer?.end();
  await server?.stop();
  if (reportDir) fs.rmSync(reportDir, { recursive: true, force: true });
});

const waitingOnLock = () => observer.waiting();

const ref = { runId: 'run-1', source: '', warehouse: '' };
const nothingStaged = (kind: StageResult['kind']): StageResult => ({ kind, files: 0, bytes: 0, recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] });

/** The advisory lock an activity attempt's fence claim takes (src/activities/fence.ts), in MockActivityEnvironment's attempt. */
const claimLock = (step: string) => `SELECT pg_advisory_xact_lock(hashtext('00000000-0000-0000-0000-000000000000|${step}#test'))`;

test.each([
  ['writeReport', 'LOCK TABLE songplays IN ACCESS EXCLUSIVE MODE', () => activities.writeReport({ ...ref, workflowId: 'sparkify-etl-all', window: null, reportTo: reportDir })],
  [
    'runQualityChecks',
    'LOCK TABLE songplays IN ACCESS EXCLUSIVE MODE',
    () =>
      activities.runQualityChecks({
        ...ref,
        staging: { events: nothingStaged('events'), songs: nothingStaged('songs') },
        matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
        matchRateWarnBelow: 0,
        failOnEmpty: false,
        extraChecks: [],
      }),
  ],
  // sql/postgres/schema_lock.sql: another worker creating the schema.
  ['createSchema', "SELECT pg_advisory_xact_lock(hashtext('sparkify-etl schema'))", () => activities.createSchema({ warehouse: '' })],
  // An earlier attempt of the step still claiming it.
  ['listEventFiles', claimLock('listEventFiles'), () => activities.listEventFiles({ ...ref, window: null })],
])('%s, cancelled while its statement waits on a lock, ends the statement and fails', async (activityType, lock, call) => {
  await holder.query('BEGIN');
  await holder.query(lock);
  // The failure is expected: not logged as a warning.
  const env = new MockActivityEnvironment({ activityType }, { logger: new DefaultLogger('ERROR') });
  const running = env.run(call).then(
    () => 'finished',
    (err: Error) => err,
  );
  try {
    await pollUntil(`${activityType}'s statement to wait on the lock`, async () => ((await waitingOnLock()) > 0 ? true : undefined), { timeoutMs: 30_000 });
    env.cancel();
    const outcome = await deadline(running, HUNG_MS, `still waiting ${HUNG_MS / 1000} s after the cancel`).catch((err: Error) => err.message);
    expect(outcome).toBeInstanceOf(Error);
    expect(await waitingOnLock()).toBe(0);
  } finally {
    await holder.query('ROLLBACK');
    await running;
  }
});
