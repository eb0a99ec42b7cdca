import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ActivityFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { attemptsLeft } from '../../src/activities/checkActivities';
import { FAILURE_RECORD_ATTEMPTS, STEP_ATTEMPTS } from '../../src/defaults';
import { ERROR_TYPES } from '../../src/errors';
import type { EtlInput, RunProgress, RunSummary } from '../../src/etl/types';
import { DEFAULTS, ETL_STEPS, etlRun, progressQuery } from '../../src/workflows/etl';
import { heartbeatUntil, MATCHES, MockActivities, stageResult, type ActivityName } from './support/mockActivities';
import { startWorkflowEnv, type WorkflowEnv } from './support/workflowEnv';
import { pollUntil } from '../support/poll';

let env: WorkflowEnv;

beforeAll(async () => {
  env = await startWorkflowEnv();
});

afterAll(async () => {
  await env?.stop();
});

const INPUT: EtlInput = { source: '/data', warehouse: 'duckdb:/tmp/w.duckdb', window: { from: '2018-11-01', to: '2018-11-02' } };

async function run(mocks: MockActivities, input: EtlInput = INPUT): Promise<{ workflowId: string; result: RunSummary | unknown }> {
  const workflowId = `unit-etl-${randomUUID()}`;
  const result = await env.withWorker(mocks.activities(), async (taskQueue) =>
    env.client.workflow.execute(etlRun, { taskQueue, workflowId, args: [input] }).catch((err: unknown) => err),
  );
  return { workflowId, result };
}

/** An activity body that returns `value` only once every activity in `group` has started: proof they run at once. */
function together(mocks: () => MockActivities, group: ActivityName[], value: unknown = undefined) {
  return async () => {
    await mocks()
      .changed.until(`${group.join(', ')} to run at the same time`, () => group.every((n) => mocks().started(n)))
      .catch((err: Error) => {
        throw ApplicationFailure.nonRetryable(err.message, 'NotConcurrent');
      });
    return value;
  };
}

function failureOf(result: unknown): ActivityFailure {
  expect(result).toBeInstanceOf(WorkflowFailedError);
  const cause = (result as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ActivityFailure);
  return cause as ActivityFailure;
}

describe('etlRun with mocked activities', () => {
  test('runs the DAG in order, parallel branches at once, and returns the summary with the report', async () => {
    // loadTime starts with loadSongplays (on PostgreSQL it waits for the latter's serial part).
    const loads: ActivityName[] = ['loadSongs', 'loadArtists', 'loadUsers'];
    // loadSongplays runs beside the loads but loadSongs (whose song keys it matches).
    const beside: ActivityName[] = ['loadArtists', 'loadUsers', 'loadTime', 'loadSongplays'];
    const mocks: MockActivities = new MockActivities({
      // The event logs' part goes on while the song files are still being listed…
      listSongFiles: together(() => mocks, ['listSongFiles', 'stageEvents'], { eventFiles: 0, songFiles: 1, eventBytes: 0, songBytes: 10 }),
      stageEvents: together(() => mocks, ['stageEvents', 'stageSongs'], stageResult('events')),
      stageSongs: together(() => mocks, ['stageEvents', 'stageSongs'], stageResult('songs')),
      loadSongs: together(() => mocks, loads),
      ...Object.fromEntries(beside.filter((n) => n !== 'loadSongplays').map((n) => [n, together(() => mocks, beside)])),
      // …and queryLevelChanges starts while loadSongplays still runs (after loadUsers and loadTime).
      loadSongplays: async () => {
        await together(() => mocks, beside)();
        return together(() => mocks, ['loadSongplays', 'queryLevelChanges'], MATCHES)();
      },
    });
    const { workflowId, result } = await run(mocks);
    const summary = result as RunSummary;
    expect(summary.status).toBe('completed');

    // Every step ran once, in DAG order: each stage starts only after the one before it ended.
    // (checkStagedData is not a progress step: the blocking checks on staged data, before any publish.)
    expect([...mocks.calledNames()].sort()).toEqual([...ETL_STEPS, 'checkStagedData'].sort());
    const before = (a: ActivityName, b: ActivityName) => expect(mocks.indexOf(`end:${a}`)).toBeLessThan(mocks.indexOf(`start:${b}`));
    for (const list of ['listEventFiles', 'listSongFiles'] as const) before('createSchema', list);
    before('listEventFiles', 'stageEvents');
    before('listSongFiles', 'stageSongs');
    for (const s of ['stageEvents', 'stageSongs'] as const) before(s, 'checkStagedData');
    before('checkStagedData', 'repairText');
    for (const l of [...loads, 'loadTime'] as const) before('repairText', l);
    before('loadSongs', 'loadSongplays');
    before('loadSongs', 'loadTime');
    for (const l of beside) before(l, 'runQualityChecks');
    before('runQualityChecks', 'summarizeRun');
    before('summarizeRun', 'writeReport');
    // The level changes: from staging once users and time are published (beside loadSongplays),
    // and before the summary, which may clear the run's staging rows.
    before('loadUsers', 'queryLevelChanges');
    before('loadTime', 'queryLevelChanges');
    before('queryLevelChanges', 'summarizeRun');

    // What the steps were given: the run's ref, the window, and the defaults.
    const input = (name: ActivityName) => mocks.calls.find((c) => c.name === name)!.input;
    expect(input('createSchema')).toMatchObject({ source: '/data', warehouse: 'duckdb:/tmp/w.duckdb' });
    expect(input('listEventFiles')).toMatchObject({ window: INPUT.window });
    expect(input('listSongFiles')).toMatchObject({ window: INPUT.window });
    expect(input('stageEvents')).toMatchObject({ maxRejectRate: DEFAULTS.maxRejectRate });
    expect(input('loadSongplays')).toMatchObject({ durationTolerance: DEFAULTS.durationTolerance });
    expect(input('runQualityChecks')).toMatchObject({
      matches: MATCHES,
      matchRateWarnBelow: DEFAULTS.matchRateWarnBelow,
      failOnEmpty: false,
      extraChecks: [],
      staging: { events: stageResult('events'), songs: stageResult('songs') },
    });
    expect(input('summarizeRun')).toMatchObject({
      workflowId,
      files: { events: 1, songs: 1, bytes: 20 },
      rejected: { count: 0, samples: [] },
    });
    expect(input('queryLevelChanges')).toMatchObject({ window: INPUT.window });
    // The report is given the level changes queried before, not left to query staging after the summary.
    expect(input('writeReport')).toMatchObject({
      workflowId,
      window: INPUT.window,
      levelChanges: [{ day: '2018-11-01', levelUpgrades: 1, levelDowngrades: 0, submitUpgrades: 1, submitDowngrades: 0 }],
    });

    expect(summary.report).toBe(`/reports/${workflowId}.html`);
    expect(Object.keys(summary.steps).sort()).toEqual([...ETL_STEPS].sort());
    for (const s of ETL_STEPS) expect(summary.steps[s].status).toBe('completed');
  });

  test("passes the run's own thresholds, checks and report target to the steps", async () => {
    const mocks = new MockActivities();
    const extra = { name: 'x', severity: 'warn' as const, description: 'd', rule: { kind: 'not_null' as const, table: 'users', column: 'user_id' } };
    await run(mocks, {
      ...INPUT,
      maxRejectRate: 0.2,
      durationTolerance: 5,
      matchRateWarnBelow: 0.9,
      failOnEmpty: true,
      extraChecks: [extra as never],
      reportTo: 's3://bucket/reports',
    });
    const input = (name: ActivityName) => mocks.calls.find((c) => c.name === name)!.input;
    expect(input('stageSongs')).toMatchObject({ maxRejectRate: 0.2 });
    expect(input('loadSongplays')).toMatchObject({ durationTolerance: 5 });
    expect(input('runQualityChecks')).toMatchObject({ matchRateWarnBelow: 0.9, failOnEmpty: true, extraChecks: [extra] });
    expect(input('writeReport')).toMatchObject({ reportTo: 's3://bucket/reports' });
  });

  test('adds rejected records of both kinds into the summary', async () => {
    const rejected = (kind: 'events' | 'songs', n: number) => ({
      ...stageResult(kind),
      recordsRejected: n,
      rejectSamples: [{ sourceKey: `${kind}.json`, sourceLine: n, reason: 'bad json' }],
    });
    const mocks = new MockActivities({ stageEvents: async () => rejected('events', 2), stageSongs: async () => rejected('songs', 1) });
    await run(mocks);
    expect(mocks.calls.find((c) => c.name === 'summarizeRun')!.input.rejected).toEqual({
      count: 3,
      samples: [
        { sourceKey: 'events.json', sourceLine: 2, reason: 'bad json' },
        { sourceKey: 'songs.json', sourceLine: 1, reason: 'bad json' },
      ],
    });
  });

  test('answers the progress query while a step runs', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const mocks = new MockActivities({ loadSongplays: async () => (await released, MATCHES) });
    const progress = await env.withWorker(mocks.activities(), async (taskQueue) => {
      const handle = await env.client.workflow.start(etlRun, { taskQueue, workflowId: `unit-etl-${randomUUID()}`, args: [INPUT] });
      await mocks.changed.until('loadSongplays to start', () => mocks.started('loadSongplays'));
      // The steps beside it may still be ending: asked until the workflow has seen them end.
      const during = await pollUntil('the steps beside loadSongplays to complete', async () => {
        const p = await handle.query(progressQuery);
        return ['loadArtists', 'loadUsers', 'loadTime', 'queryLevelChanges'].every((s) => p.steps[s].status === 'completed') ? p : undefined;
      });
      release();
      await handle.result();
      return during;
    });
    const p = progress as RunProgress;
    expect(p.currentSteps).toEqual(['loadSongplays']);
    expect(p.steps.loadTime.status).toBe('completed');
    expect(p.steps.runQualityChecks.status).toBe('pending');
    expect(p.steps.writeReport.status).toBe('pending');
  });

  test.each(['SqlError', 'QualityCheckFailed', 'InvalidInput', 'ConfigError'])(
    'an activity error of type %s fails the run without a retry, and no later step runs',
    async (type) => {
      const mocks = new MockActivities({
        runQualityChecks: async () => {
          throw ApplicationFailure.create({ type, message: `broken (${type})` });
        },
      });
      const { result } = await run(mocks);
      const failure = failureOf(result);
      expect(failure.activityType).toBe('runQualityChecks');
      expect((failure.cause as ApplicationFailure).type).toBe(type);
      expect(mocks.count('runQualityChecks')).toBe(1);
      expect(mocks.started('summarizeRun')).toBe(false);
      expect(mocks.started('writeReport')).toBe(false);
    },
  );

  test('a failing parallel branch fails the run; the steps after it never start', async () => {
    // loadSongs ends only once the run has failed: loadSongplays, which would follow it, never starts.
    let releaseSongs!: () => void;
    const songsReleased = new Promise<void>((resolve) => (releaseSongs = resolve));
    const mocks = new MockActivities({
      loadSongs: async () => songsReleased,
      loadUsers: async () => {
        throw ApplicationFailure.create({ type: 'SqlError', message: 'users: syntax error' });
      },
    });
    const { result, progress } = await env.withWorker(mocks.activities(), async (taskQueue) => {
      const handle = await env.client.workflow.start(etlRun, { taskQueue, workflowId: `unit-etl-${randomUUID()}`, args: [INPUT] });
      const result = await handle.result().catch((err: unknown) => err);
      releaseSongs();
      // A closed run still answers queries (the worker replays its history).
      return { result, progress: await handle.query(progressQuery) };
    });
    expect(failureOf(result).activityType).toBe('loadUsers');
    expect(mocks.started('loadSongplays')).toBe(false);
    expect(mocks.started('runQualityChecks')).toBe(false);
    expect(progress.steps.loadUsers.status).toBe('failed');
    expect(progress.steps.loadSongplays.status).toBe('pending');
  });

  test('a run that fails once its publish has begun records its failure (which clears its publishing mark), and fails with its own error', async () => {
    const mocks = new MockActivities({
      loadUsers: async () => {
        throw ApplicationFailure.create({ type: 'SqlError', message: 'users: syntax error' });
      },
    });
    const { workflowId, result } = await run(mocks);
    expect(failureOf(result).activityType).toBe('loadUsers');
    const recorded = mocks.calls.filter((c) => c.name === 'recordFailedRun');
    expect(recorded.map((c) => ({ workflowId: c.workflowId, warehouse: c.input.warehouse }))).toEqual([{ workflowId, warehouse: INPUT.warehouse }]);
    expect(mocks.indexOf('fail:loadUsers')).toBeLessThan(mocks.indexOf('start:recordFailedRun'));
  });

  test('a failure that cannot be recorded leaves the run failing with its own error', async () => {
    const mocks = new MockActivities({
      loadTime: async () => {
        throw ApplicationFailure.create({ type: 'SqlError', message: 'time: syntax error' });
      },
      recordFailedRun: async () => {
        throw ApplicationFailure.nonRetryable('warehouse gone', 'Unavailable');
      },
    });
    const { result } = await run(mocks);
    expect(failureOf(result).activityType).toBe('loadTime');
    expect(mocks.count('recordFailedRun')).toBe(1);
  });

  test("a failed run's record is tried a few times, not the quick steps' ten: the run's failure is told soon after", async () => {
    let maximumAttempts: number | undefined;
    const mocks = new MockActivities({
      loadTime: async () => {
        throw ApplicationFailure.create({ type: 'SqlError', message: 'time: syntax error' });
      },
      recordFailedRun: async () => {
        // A retry carries the policy (a first attempt comes without it here).
        const { attempt, retryPolicy } = Context.current().info;
        if (attempt === 1) throw new Error('connection reset');
        maximumAttempts = retryPolicy?.maximumAttempts;
      },
    });
    const { result } = await run(mocks);
    expect(failureOf(result).activityType).toBe('loadTime');
    expect(maximumAttempts).toBe(FAILURE_RECORD_ATTEMPTS);
    expect(FAILURE_RECORD_ATTEMPTS).toBeLessThan(STEP_ATTEMPTS.quick);
  });

  test('a run that fails once it has staged, before any publish, records its failure (its staging rows then go with the retention)', async () => {
    const mocks = new MockActivities({
      checkStagedData: async () => {
        throw ApplicationFailure.nonRetryable('staging does not reconcile', ERROR_TYPES.qualityCheckFailed);
      },
    });
    const { result } = await run(mocks);
    expect(failureOf(result).activityType).toBe('checkStagedData');
    expect(mocks.count('recordFailedRun')).toBe(1);
  });

  test('a run that fails before it has staged has nothing to record', async () => {
    const mocks = new MockActivities({
      createSchema: async () => {
        throw ApplicationFailure.nonRetryable('warehouse newer', ERROR_TYPES.warehouseNewer);
      },
    });
    const { result } = await run(mocks);
    expect(failureOf(result).activityType).toBe('createSchema');
    expect(mocks.started('recordFailedRun')).toBe(false);
  });

  test('a report that cannot be written leaves the run completed (as etl_runs records it), the reason in its summary and its alert', async () => {
    const refused = "cannot write the run's report to /reports (chosen by the run's --report-to): EACCES; the run's tables are published; run it again to write the report";
    const mocks = new MockActivities({
      writeReport: async () => {
        throw ApplicationFailure.create({ type: ERROR_TYPES.storage, message: refused, nonRetryable: true });
      },
    });
    const { result } = await run(mocks, { ...INPUT, notify: { url: 'https://hooks.example/x', on: 'warning' } });
    const summary = result as RunSummary;
    expect(summary.status).toBe('completed');
    expect(summary.report).toBeUndefined();
    expect(summary.reportError).toBe(refused);
    expect(summary.steps.writeReport.status).toBe('failed');
    expect(mocks.count('writeReport')).toBe(1);
    // Completed, so nothing to record as failed; the alert says the report is missing and why.
    expect(mocks.started('recordFailedRun')).toBe(false);
    const [alert] = mocks.calls.filter((c) => c.name === 'sendNotification');
    expect(alert.input.event).toMatchObject({ outcome: 'report-missing', warnings: [`report not written: ${refused}`] });
  });

  test("a report that cannot be written is recorded on the run's etl_runs row (recordReportError), after writeReport and before the alert", async () => {
    const refused = "cannot write the run's report to /reports: ENOSPC";
    const mocks = new MockActivities({
      writeReport: async () => {
        throw ApplicationFailure.create({ type: ERROR_TYPES.storage, message: refused, nonRetryable: true });
      },
    });
    const { result } = await run(mocks, { ...INPUT, notify: { url: 'https://hooks.example/x', on: 'warning' } });
    expect((result as RunSummary).reportError).toBe(refused);
    const recorded = mocks.calls.filter((c) => c.name === 'recordReportError');
    expect(recorded.map((c) => c.input)).toEqual([expect.objectContaining({ runId: (result as RunSummary).runId, reportError: refused })]);
    expect(mocks.indexOf('fail:writeReport')).toBeLessThan(mocks.indexOf('start:recordReportError'));
    expect(mocks.indexOf('start:recordReportError')).toBeLessThan(mocks.indexOf('start:sendNotification'));
  });

  test('a report error that etl_runs cannot record leaves the run completed, the reason in its summary', async () => {
    const mocks = new MockActivities({
      writeReport: async () => {
        throw ApplicationFailure.create({ type: ERROR_TYPES.storage, message: 'ENOSPC', nonRetryable: true });
      },
      recordReportError: async () => {
        throw ApplicationFailure.create({ message: 'warehouse gone', nonRetryable: true });
      },
    });
    const { result } = await run(mocks);
    expect(result).toMatchObject({ status: 'completed', reportError: 'ENOSPC' });
    expect(mocks.count('recordReportError')).toBe(1);
  });

  test('a report that is written records no report error', async () => {
    const mocks = new MockActivities();
    const { result } = await run(mocks);
    expect((result as RunSummary).report).toBeDefined();
    expect(mocks.started('recordReportError')).toBe(false);
  });

  test('a transient error is retried and the run completes', async () => {
    const mocks = new MockActivities({
      repairText: async () => {
        if (mocks.count('repairText') === 1) throw new Error('connection reset');
        return { distinctValues: 1, repairedValues: 0 };
      },
    });
    const { result } = await run(mocks);
    expect((result as RunSummary).status).toBe('completed');
    expect(mocks.calls.filter((c) => c.name === 'repairText').map((c) => c.attempt)).toEqual([1, 2]);
    expect(mocks.count('loadSongs')).toBe(1);
  });

  test("failing reference checks beside another run's publish are retried, under a bounded policy, and the run completes", async () => {
    const seen: Array<{ attempt: number; attemptsLeft: boolean; maximumAttempts: number | undefined }> = [];
    const mocks = new MockActivities({
      runQualityChecks: async () => {
        const { attempt, retryPolicy } = Context.current().info;
        seen.push({ attempt, attemptsLeft: attemptsLeft(), maximumAttempts: retryPolicy?.maximumAttempts });
        if (attempt === 1) throw ApplicationFailure.retryable('songplays.user_id in users: 3 failing, while run r2 was publishing', ERROR_TYPES.checkedBesideAnotherPublish);
        return [];
      },
    });
    const { result } = await run(mocks);
    expect((result as RunSummary).status).toBe('completed');
    expect(seen.map(({ attempt, attemptsLeft }) => ({ attempt, attemptsLeft }))).toEqual([
      { attempt: 1, attemptsLeft: true },
      { attempt: 2, attemptsLeft: true },
    ]);
    // The retry carries the workflow's policy, whose limit attemptsLeft keeps to. The first attempt
    // came without it here: attemptsLeft's limit without one is the same 10, kept equal by this line.
    expect(seen[1].maximumAttempts).toBe(10);
  });

  test('an activity that declares its failure final on a later attempt fails the run there', async () => {
    const mocks: MockActivities = new MockActivities({
      createSchema: async () => {
        if (mocks.count('createSchema') < 2) throw ApplicationFailure.retryable('still down', 'Unavailable');
        throw ApplicationFailure.nonRetryable('gave up', 'Unavailable');
      },
    });
    const { result } = await run(mocks);
    expect(failureOf(result).activityType).toBe('createSchema');
    expect(mocks.calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(mocks.started('listEventFiles')).toBe(false);
  });

  test('cancelling a run cancels the running activities and starts nothing after them', async () => {
    const cancelled: string[] = [];
    const never = new Promise<void>(() => undefined);
    const mocks: MockActivities = new MockActivities({
      stageEvents: async () => heartbeatUntil(never, () => cancelled.push('stageEvents')),
      stageSongs: async () => heartbeatUntil(never, () => cancelled.push('stageSongs')),
    });
    const result = await env.withWorker(mocks.activities(), async (taskQueue) => {
      const handle = await env.client.workflow.start(etlRun, {
        taskQueue,
        workflowId: `unit-etl-${randomUUID()}`,
        args: [{ ...INPUT, heartbeatTimeout: '2 seconds' }],
      });
      await mocks.changed.until('both staging steps to start', () => mocks.started('stageEvents') && mocks.started('stageSongs'));
      await handle.cancel();
      const outcome = await handle.result().catch((err: unknown) => err);
      await mocks.changed.until('both staging activities to see the cancellation', () => cancelled.length === 2);
      return outcome;
    });
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect((result as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(cancelled.sort()).toEqual(['stageEvents', 'stageSongs']);
    expect(mocks.started('repairText')).toBe(false);
    // Cancelled while staging: its staging rows and any it was writing go with the retention.
    expect(mocks.count('recordFailedRun')).toBe(1);
  });

  test('a run cancelled mid-publish records its failure (which clears its publishing mark)', async () => {
    const never = new Promise<void>(() => undefined);
    const mocks: MockActivities = new MockActivities({
      loadUsers: async () => heartbeatUntil(never, () => undefined),
    });
    const result = await env.withWorker(mocks.activities(), async (taskQueue) => {
      const handle = await env.client.workflow.start(etlRun, {
        taskQueue,
        workflowId: `unit-etl-${randomUUID()}`,
        args: [{ ...INPUT, heartbeatTimeout: '2 seconds' }],
      });
      await mocks.changed.until('loadUsers to start', () => mocks.started('loadUsers'));
      await handle.cancel();
      return handle.result().catch((err: unknown) => err);
    });
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect((result as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(mocks.count('recordFailedRun')).toBe(1);
  });
});
