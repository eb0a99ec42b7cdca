/**
 * A run's reference checks read whole tables, and another run publishes its tables one transaction
 * at a time, its songplays beside its users and time. Checked between the other run's songplays
 * publish and its users publish, a run that published correctly saw that run's new users missing
 * and failed (`quality check "songplays.user_id in users" failed: 474 failing row(s)`); run again,
 * it passed. Driven here through the activities in the workflow's order, on DuckDB, PostgreSQL and
 * the Redshift emulator, with the check step's attempts as Temporal numbers them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { ERROR_TYPES } from '../src/errors';
import type { CheckResult, MatchStats, RunWindow, StageResult } from '../src/etl/types';
import { silentLogger } from '../src/log';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { startS3, uploadDirectory, type S3Server } from './harness/s3';
import { startEmulatedRedshift } from './support/emulatedRedshift';
import type { RedshiftEmulator } from './support/redshift-emulator';

const SAMPLE = path.resolve(__dirname, '../../shared/data/udacity-sample');
const MAX_ATTEMPTS = 10;
const BUCKET = 'sparkify-raw';

let pg: PgServer;
let s3: S3Server;
let emulator: RedshiftEmulator | undefined;
let dir: string;
let resources: Resources;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  await uploadDirectory(s3, SAMPLE, BUCKET, 'udacity/');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-checks-beside-'));
  resources = new Resources({ s3: s3.settings, log: silentLogger });
  activities = createActivities({ resources, log: silentLogger });
}, 60_000);
afterAll(async () => {
  await resources?.close();
  await emulator?.stop();
  await Promise.all([pg?.stop(), s3?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

type Ref = { runId: string; source: string; warehouse: string };
type Staged = { events: StageResult; songs: StageResult };

async function stage(ref: Ref, day: string): Promise<Staged> {
  const window: RunWindow = { from: day, to: day };
  await activities.createSchema(ref);
  await activities.listSourceFiles({ ...ref, window });
  const events = await activities.stageEvents({ ...ref, maxRejectRate: 0.1 });
  const songs = await activities.stageSongs({ ...ref, maxRejectRate: 0.1 });
  // The first publish step (it marks the run as publishing).
  await activities.repairText(ref);
  return { events, songs };
}

/**
 * Attempt `attempt` of run `ref`'s check step `step` (each a step of its own, as in a run of the
 * same id again), under the workflow's retry policy for it.
 */
function checksOf(ref: Ref, staging: Staged, matches: MatchStats, step: string, attempt = 1): Promise<CheckResult[]> {
  const env = new MockActivityEnvironment({
    attempt,
    activityType: 'runQualityChecks',
    activityId: step,
    retryPolicy: { maximumAttempts: MAX_ATTEMPTS },
    workflowExecution: { workflowId: ref.runId, runId: `${ref.runId}-execution` },
  });
  return env.run(activities.runQualityChecks, { ...ref, staging, matches, matchRateWarnBelow: 0.5, failOnEmpty: false, extraChecks: [] });
}

async function failureOf(work: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

/** Each engine's warehouse, and the sample where it reads it from (Redshift: S3, which its COPY reads). */
const warehouses: Array<[string, () => Promise<{ warehouse: string; source: string }>]> = [
  ['DuckDB', async () => ({ warehouse: `duckdb:${path.join(dir, 'warehouse.duckdb')}`, source: SAMPLE })],
  ['PostgreSQL', async () => ({ warehouse: await createTestDatabase(pg.url, 'checks_beside'), source: SAMPLE })],
  [
    'Redshift (emulator)',
    async () => {
      const started = await startEmulatedRedshift(pg, s3);
      emulator = started.emulator;
      return { warehouse: started.uri, source: `s3://${BUCKET}/udacity` };
    },
  ],
];

describe.each(warehouses)('%s', (_engine, openWarehouse) => {
  test("a run's checks beside another run's half-done publish retry instead of failing, unless that run failed and recorded so; a real dangling reference still fails", async () => {
    const { warehouse, source } = await openWarehouse();
    const a: Ref = { runId: 'sparkify-etl-2018-11-01', source, warehouse };
    const b: Ref = { runId: 'sparkify-etl-2018-11-15', source, warehouse };
    const opened = await resources.warehouse(warehouse);

    const stagedA = await stage(a, '2018-11-01');
    await Promise.all([activities.loadSongs(a), activities.loadArtists(a), activities.loadUsers(a), activities.loadTime(a)]);
    const matchesA = await activities.loadSongplays({ ...a, durationTolerance: 2 });
    expect(await checksOf(a, stagedA, matchesA, 'first')).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'songplays.user_id in users', status: 'pass' })]));

    // Run B as the workflow runs it, its songplays published and its users and times not yet.
    const stagedB = await stage(b, '2018-11-15');
    await Promise.all([activities.loadSongs(b), activities.loadArtists(b)]);
    const matchesB = await activities.loadSongplays({ ...b, durationTolerance: 2 });
    const [dangling] = await opened.query('SELECT COUNT(*) AS n FROM songplays s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = s.user_id)');
    expect(Number(dangling.n)).toBeGreaterThan(0);

    // A's checks then: retried, not failed, and nothing recorded for them.
    const retried = await failureOf(checksOf(a, stagedA, matchesA, 'beside', 1));
    expect(retried.type).toBe(ERROR_TYPES.checkedBesideAnotherPublish);
    expect(retried.nonRetryable).toBe(false);
    expect(retried.message).toMatch(/quality check "songplays\.user_id in users" failed: \d+ failing/);
    expect(retried.message).toContain(b.runId);
    const failedStored = async () => (await opened.query(`SELECT check_name FROM etl_quality_results WHERE run_id = '${a.runId}' AND severity = 'error' AND status = 'fail' ORDER BY check_name`)).map((r) => r.check_name);
    expect(await failedStored()).toEqual([]);
    // On the last attempt the failure stands, recorded, and says which run was publishing.
    const last = await failureOf(checksOf(a, stagedA, matchesA, 'beside', MAX_ATTEMPTS));
    expect(last.type).toBe(ERROR_TYPES.qualityCheckFailed);
    expect(last.nonRetryable).toBe(true);
    expect(last.message).toContain(b.runId);
    expect(await failedStored()).toContain('songplays.user_id in users');

    // Had B failed there, its workflow would have recorded its failure, which clears its mark
    // (src/workflows/etl.ts): A's checks then fail at once, waiting for no run.
    await activities.recordFailedRun(b);
    expect(await opened.query('SELECT run_id FROM etl_failed_runs')).toEqual([{ run_id: b.runId }]);
    const besideFailed = await failureOf(checksOf(a, stagedA, matchesA, 'beside a failed run', 1));
    expect(besideFailed.type).toBe(ERROR_TYPES.qualityCheckFailed);
    expect(besideFailed.nonRetryable).toBe(true);
    expect(besideFailed.message).not.toContain(b.runId);

    // Once B's users and times are published, A's checks pass (and B's).
    await Promise.all([activities.loadUsers(b), activities.loadTime(b)]);
    expect((await checksOf(a, stagedA, matchesA, 'after')).filter((r) => r.severity === 'error' && r.status === 'fail')).toEqual([]);
    expect((await checksOf(b, stagedB, matchesB, 'after')).filter((r) => r.severity === 'error' && r.status === 'fail')).toEqual([]);

    // A play whose user is gone, with no run publishing: the check fails on the first attempt.
    const [{ user_id: gone }] = await opened.query('SELECT MIN(user_id) AS user_id FROM songplays');
    await opened.execute([`DELETE FROM users WHERE user_id = ${Number(gone)}`]);
    const real = await failureOf(checksOf(a, stagedA, matchesA, 'dangling'));
    expect(real.type).toBe(ERROR_TYPES.qualityCheckFailed);
    expect(real.nonRetryable).toBe(true);
    expect(real.message).toMatch(/quality check "songplays\.user_id in users" failed: \d+ failing/);
  }, 180_000);
});
