import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { RunSummary } from '../../src/etl/types';
import { backfill, backfillProgressQuery, type BackfillInput, type BackfillResult } from '../../src/workflows/backfill';
import { scheduledEtlRun } from '../../src/workflows/scheduled';
import { MockActivities } from './support/mockActivities';
import { startWorkflowEnv, type WorkflowEnv } from './support/workflowEnv';

let env: WorkflowEnv;

beforeAll(async () => {
  env = await startWorkflowEnv();
});

afterAll(async () => {
  await env?.stop();
});

const ETL = { source: '/data', warehouse: 'duckdb:/tmp/w.duckdb' };

async function runBackfill(mocks: MockActivities, input: Omit<BackfillInput, 'etl'>): Promise<BackfillResult | unknown> {
  return env.withWorker(mocks.activities(), (taskQueue) =>
    env.client.workflow
      .execute(backfill, { taskQueue, workflowId: `unit-backfill-${randomUUID()}`, args: [{ ...input, etl: ETL }] })
      .catch((err: unknown) => err),
  );
}

/** The dates whose etlRun children ran, in the order their first activity started. */
function datesRun(mocks: MockActivities): string[] {
  return [...new Set(mocks.calls.map((c) => c.workflowId.replace(/^sparkify-etl-/, '')))];
}

describe('backfill with mocked activities', () => {
  test('runs one etlRun child per date under the date id, the first date alone, the rest side by side', async () => {
    const mocks = new MockActivities();
    const result = (await runBackfill(mocks, { from: '2018-01-01', to: '2018-01-03', concurrency: 2 })) as BackfillResult;
    expect(result).toEqual({ from: '2018-01-01', to: '2018-01-03', total: 3, completed: 3, skipped: 0, failed: [], withoutEvents: [], reportMissing: [], runs: 1 });
    expect(datesRun(mocks).sort()).toEqual(['2018-01-01', '2018-01-02', '2018-01-03']);
    // Each child loaded its own date.
    const listing = mocks.calls.filter((c) => c.name === 'listEventFiles');
    expect(listing).toHaveLength(3);
    for (const c of listing) expect(c.workflowId).toBe(`sparkify-etl-${(c.input.window as { from: string }).from}`);
    // The first date finished (its report written) before any other date began.
    const firstEnd = mocks.events.indexOf('end:writeReport');
    expect(mocks.calls[0].workflowId).toBe('sparkify-etl-2018-01-01');
    expect(mocks.events.slice(0, firstEnd).filter((e) => e === 'start:createSchema')).toHaveLength(1);
  });

  test('newest first starts with the last date', async () => {
    const mocks = new MockActivities();
    await runBackfill(mocks, { from: '2018-02-01', to: '2018-02-02', newestFirst: true, concurrency: 1 });
    expect(datesRun(mocks)).toEqual(['2018-02-02', '2018-02-01']);
  });

  test('only-missing skips the dates the load ledger already holds', async () => {
    const mocks = new MockActivities({ loadedDates: async () => ['2018-03-02'] });
    const result = (await runBackfill(mocks, { from: '2018-03-01', to: '2018-03-03', onlyMissing: true })) as BackfillResult;
    expect(result).toMatchObject({ total: 3, completed: 2, skipped: 1 });
    expect(mocks.calls.find((c) => c.name === 'loadedDates')!.input).toEqual({ warehouse: ETL.warehouse, dates: ['2018-03-01', '2018-03-02', '2018-03-03'], source: ETL.source });
    expect(datesRun(mocks).filter((d) => /^\d/.test(d)).sort()).toEqual(['2018-03-01', '2018-03-03']);
  });

  test('only-stale asks the ledger for the dates loaded under the current rules, and runs the others', async () => {
    const mocks = new MockActivities({ loadedDates: async () => ['2018-03-02'] });
    const result = (await runBackfill(mocks, { from: '2018-03-01', to: '2018-03-03', onlyStale: true })) as BackfillResult;
    expect(result).toMatchObject({ total: 3, completed: 2, skipped: 1 });
    expect(mocks.calls.find((c) => c.name === 'loadedDates')!.input).toEqual({ warehouse: ETL.warehouse, dates: ['2018-03-01', '2018-03-02', '2018-03-03'], source: ETL.source, currentRulesOnly: true });
  });

  test('a failed date does not stop the others; the backfill then fails naming it', async () => {
    const mocks = new MockActivities({
      loadSongplays: async () => {
        // The date's run is its child workflow, named by the date (src/etl/workflowIds.ts).
        if (Context.current().info.workflowExecution?.workflowId.endsWith('2018-04-02')) throw ApplicationFailure.create({ type: 'SqlError', message: 'songplays: bad cast' });
        return { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 };
      },
    });
    const error = await runBackfill(mocks, { from: '2018-04-01', to: '2018-04-03' });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe('BackfillFailed');
    expect(failure.message).toMatch(/1 of 3 dates failed \(2018-04-02: .*songplays: bad cast/);
    expect(failure.details?.[0]).toMatchObject({ completed: 2, failed: [{ date: '2018-04-02' }] });
    expect(mocks.count('writeReport')).toBe(2);
  });

  test('names the dates whose run staged no event, across continue-as-new', async () => {
    const mocks = new MockActivities({
      // No log for the 2nd and 3rd (their runs list none and stage nothing).
      stageEvents: async () => {
        const empty = /2018-07-0[23]$/.test(Context.current().info.workflowExecution?.workflowId ?? '');
        return { kind: 'events', files: empty ? 0 : 1, bytes: 10, recordsRead: empty ? 0 : 3, recordsStaged: empty ? 0 : 3, recordsRejected: 0, rejectSamples: [] };
      },
    });
    const result = (await runBackfill(mocks, { from: '2018-07-01', to: '2018-07-04', datesPerRun: 2 })) as BackfillResult;
    expect(result).toEqual({ from: '2018-07-01', to: '2018-07-04', total: 4, completed: 4, skipped: 0, failed: [], withoutEvents: ['2018-07-02', '2018-07-03'], reportMissing: [], runs: 2 });
  });

  test('lists the dates whose report was not written, with the reason, across continue-as-new; alerts them under --notify-on failure', async () => {
    const mocks = new MockActivities({
      writeReport: async () => {
        const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
        if (/2018-08-0[13]$/.test(workflowId)) throw ApplicationFailure.nonRetryable('reports/ is not a directory', 'ReportNotWritten');
        return `/reports/${workflowId}.html`;
      },
    });
    const result = (await runBackfill(mocks, { from: '2018-08-01', to: '2018-08-03', datesPerRun: 2, notify: { url: 'https://hooks.example/x', on: 'failure' } })) as BackfillResult;
    expect(result).toMatchObject({ completed: 3, failed: [], runs: 2 });
    expect(result.reportMissing).toEqual([
      { date: '2018-08-01', error: expect.stringContaining('reports/ is not a directory') },
      { date: '2018-08-03', error: expect.stringContaining('reports/ is not a directory') },
    ]);
    // One alert (the dates send none), at the end: 'failure' sends report-missing.
    const alerts = mocks.calls.filter((c) => c.name === 'sendNotification');
    expect(alerts.map((c) => (c.input.event as { kind: string; outcome: string }).outcome)).toEqual(['report-missing']);
  });

  test('a backfill whose every date fails with a long reason carries every date, its counts exact, under a bounded input', async () => {
    const longReason = 'x'.repeat(20_000);
    const mocks = new MockActivities({
      loadSongplays: async () => {
        throw ApplicationFailure.nonRetryable(`songplays: ${longReason}`, 'SqlError');
      },
    });
    const workflowId = `unit-backfill-${randomUUID()}`;
    const error = await env.withWorker(mocks.activities(), (taskQueue) =>
      env.client.workflow
        .execute(backfill, { taskQueue, workflowId, args: [{ from: '2018-09-01', to: '2018-09-30', datesPerRun: 10, concurrency: 4, etl: ETL }] })
        .catch((err: unknown) => err),
    );
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    const result = failure.details?.[0] as BackfillResult;
    const dates = Array.from({ length: 30 }, (_, i) => `2018-09-${String(i + 1).padStart(2, '0')}`);
    expect(result).toMatchObject({ total: 30, completed: 0, runs: 3 });
    expect(result.failed.map((f) => f.date).sort()).toEqual(dates);
    expect(failure.message).toMatch(/30 of 30 dates failed/);
    for (const date of dates) expect(failure.message).toContain(date);
    // The last run's input carried the 20 dates of the runs before it: uncapped, 20 reasons of 20 KB.
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const carriedInput = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
    expect(carriedInput.length).toBeLessThan(32_000);
    expect(JSON.stringify(result).length).toBeLessThan(32_000);
    expect(failure.message.length).toBeLessThan(32_000);
  });

  test('continues as new every datesPerRun dates and carries its counts and progress across', async () => {
    const mocks = new MockActivities();
    const result = (await runBackfill(mocks, { from: '2018-05-01', to: '2018-05-02', datesPerRun: 1 })) as BackfillResult;
    expect(result).toEqual({ from: '2018-05-01', to: '2018-05-02', total: 2, completed: 2, skipped: 0, failed: [], withoutEvents: [], reportMissing: [], runs: 2 });
    expect(datesRun(mocks).sort()).toEqual(['2018-05-01', '2018-05-02']);
  });

  test('answers the progress query with the dates running and pending', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const mocks = new MockActivities({ createSchema: async () => released });
    const progress = await env.withWorker(mocks.activities(), async (taskQueue) => {
      const handle = await env.client.workflow.start(backfill, {
        taskQueue,
        workflowId: `unit-backfill-${randomUUID()}`,
        args: [{ from: '2018-06-01', to: '2018-06-02', etl: ETL }],
      });
      await mocks.changed.until('the first date to start', () => mocks.started('createSchema'));
      const during = await handle.query(backfillProgressQuery);
      release();
      await handle.result();
      return during;
    });
    expect(progress).toMatchObject({ total: 2, running: ['2018-06-01'], pending: 1, completed: 0, runs: 1 });
  });
});

describe('scheduledEtlRun with mocked activities', () => {
  test('started by hand, loads the day before its start date (UTC)', async () => {
    const mocks = new MockActivities();
    const { summary, startTime } = await env.withWorker(mocks.activities(), async (taskQueue) => {
      const handle = await env.client.workflow.start(scheduledEtlRun, { taskQueue, workflowId: `unit-scheduled-${randomUUID()}`, args: [{ etl: ETL }] });
      const summary: RunSummary = await handle.result();
      return { summary, startTime: (await handle.describe()).startTime };
    });
    const dayBefore = new Date(Date.UTC(startTime.getUTCFullYear(), startTime.getUTCMonth(), startTime.getUTCDate() - 1)).toISOString().slice(0, 10);
    expect(summary.window).toEqual({ from: dayBefore, to: dayBefore });
    expect(summary.workflowId).toBe(`sparkify-etl-${dayBefore}`);
  });

  test("a schedule's backfilled action loads the date it was scheduled for, in the schedule's time zone", async () => {
    const mocks = new MockActivities();
    const scheduleId = `unit-schedule-${randomUUID()}`;
    await env.withWorker(mocks.activities(), async (taskQueue) => {
      const schedule = await env.client.schedule.create({
        scheduleId,
        spec: { calendars: [{ hour: 1, minute: 30 }] },
        action: {
          type: 'startWorkflow',
          workflowType: scheduledEtlRun,
          taskQueue,
          args: [{ etl: ETL, offsetDays: 0, timeZone: 'America/New_York' }],
        },
        state: { paused: true },
      });
      try {
        // 2018-07-10 01:30 UTC is still 2018-07-09 in New York.
        await schedule.backfill({ start: new Date('2018-07-10T01:00:00Z'), end: new Date('2018-07-10T02:00:00Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
        await mocks.changed.until('the scheduled run to write its report', () => mocks.count('writeReport') === 1, 20_000);
      } finally {
        await schedule.delete();
      }
    });
    expect(mocks.calls.find((c) => c.name === 'listEventFiles')).toMatchObject({
      workflowId: 'sparkify-etl-2018-07-09',
      input: { window: { from: '2018-07-09', to: '2018-07-09' } },
    });
  });
});
