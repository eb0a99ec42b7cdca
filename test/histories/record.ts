import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { provisionedTemporalCli } from '../support/temporalCli';
import { ensureSearchAttributes } from '../../src/temporal/searchAttributes';
import type { backfill } from '../../src/workflows/backfill';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { SAMPLE_DIR, startTestTemporal } from '../harness/temporal';
import { pollUntil } from '../support/poll';

/**
 * Records the histories test/replay.test.ts replays, from real runs against a dev server. Not part
 * of the suite (the name does not end in .test.ts): `npm run record-histories`, only when a
 * deliberate, patched() change makes the old histories obsolete (docs/operations.md).
 */
const HISTORIES = __dirname;

/** The activity whose first attempt fails in the retried-activity recording. */
export const RETRIED_ACTIVITY = 'loadUsers';

/** Fails the first attempt of RETRIED_ACTIVITY with a retryable error; every other attempt runs. */
const failFirstAttempt: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      if (ctx.info.activityType === RETRIED_ACTIVITY && ctx.info.attempt === 1) {
        throw ApplicationFailure.retryable(`${RETRIED_ACTIVITY}: first attempt fails (injected for the recording)`, 'InjectedFault');
      }
      return next(input);
    },
  },
});

/** An error-severity check the sample fails (it has free users): the run fails at runQualityChecks. */
export const FAILING_CHECK = {
  name: 'every user is paid',
  severity: 'error',
  description: 'every user is paid (the sample has free users)',
  rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['paid'] },
} as const;

/** Runs etlRun for one date on a fresh DuckDB file and saves its history as `name`. */
async function recordDateRun(name: string, date: string): Promise<void> {
  const temporal = await startTestTemporal();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-record-'));
  try {
    await ensureSearchAttributes(temporal.client);
    const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'wh.duckdb')}` });
    const cli = (await provisionedTemporalCli());
    await w.during(async () => {
      const run = await temporal.client.workflow.start('etlRun', {
        taskQueue: w.taskQueue,
        workflowId: `sparkify-etl-${date}`,
        args: [{ window: { from: date, to: date } }],
      });
      await run.result();
      const args = ['workflow', 'show', '--address', temporal.server.address, '--workflow-id', run.workflowId, '--output', 'json'];
      fs.writeFileSync(path.join(HISTORIES, `${name}.json`), execFileSync(cli.path, args, { encoding: 'utf8' }));
    });
  } finally {
    await temporal.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe('recording histories from real runs', () => {
  // Recorded on its own (`npm run record-histories -- -t 'level changes'`): the next test records
  // the other histories afresh, and with it they would all take today's branches.
  test('etlRun with the level changes queried beside songplays', async () => {
    await recordDateRun('etlRun-levelChangesBesideSongplays', '2018-11-12');
  });

  // Recorded on its own too (`npm run record-histories -- -t 'listing in two parts'`).
  test('etlRun with the listing in two parts, events staged while the song files are listed', async () => {
    await recordDateRun('etlRun-eventsWhileSongsListed', '2018-11-13');
  });

  // Recorded on its own too (`npm run record-histories -- -t 'time publish started with songplays'`).
  test('etlRun with the time publish started with songplays', async () => {
    await recordDateRun('etlRun-timeWithSongplays', '2018-11-14');
  });

  test('etlRun for a date, songplays beside the dimensions, a failed check, a retried activity, a backfill (two runs: continued as new, then completed), a scheduled run', async () => {
    const temporal = await startTestTemporal();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-record-'));
    try {
      await ensureSearchAttributes(temporal.client);
      const w = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'wh.duckdb')}` });
      const cli = (await provisionedTemporalCli());
      const save = async (name: string, workflowId: string, runId?: string) => {
        const args = ['workflow', 'show', '--address', temporal.server.address, '--workflow-id', workflowId, '--output', 'json'];
        const json = execFileSync(cli.path, runId ? [...args, '--run-id', runId] : args, { encoding: 'utf8' });
        fs.writeFileSync(path.join(HISTORIES, `${name}.json`), json);
      };
      // Each on its own DuckDB file: a failed run and a retried one leave the shared warehouse as the
      // other recordings expect it.
      const checked = await temporal.worker({ source: SAMPLE_DIR, warehouse: `duckdb:${path.join(tmp, 'failed-check.duckdb')}` });
      const faulty = await temporal.worker({
        source: SAMPLE_DIR,
        warehouse: `duckdb:${path.join(tmp, 'retried.duckdb')}`,
        activityInterceptors: [failFirstAttempt],
      });
      await w.during(async () => {
        const run = await temporal.client.workflow.start('etlRun', {
          taskQueue: w.taskQueue,
          workflowId: 'sparkify-etl-2018-11-05',
          args: [{ window: { from: '2018-11-05', to: '2018-11-05' } }],
        });
        await run.result();
        await save('etlRun-date', run.workflowId);

        // A run whose history records the patch that publishes songplays beside the dimensions.
        const beside = await temporal.client.workflow.start('etlRun', {
          taskQueue: w.taskQueue,
          workflowId: 'sparkify-etl-2018-11-10',
          args: [{ window: { from: '2018-11-10', to: '2018-11-10' } }],
        });
        await beside.result();
        await save('etlRun-songplaysBesideDimensions', beside.workflowId);

        await checked.during(async () => {
          const failed = await temporal.client.workflow.start('etlRun', {
            taskQueue: checked.taskQueue,
            workflowId: 'sparkify-etl-2018-11-06',
            args: [{ window: { from: '2018-11-06', to: '2018-11-06' }, extraChecks: [FAILING_CHECK] }],
          });
          const failure = await failed.result().then(
            () => undefined,
            (e: unknown) => e,
          );
          if (!failure) throw new Error('the failed-check run completed: the check no longer fails on the sample');
          await save('etlRun-failedCheck', failed.workflowId);
        });

        await faulty.during(async () => {
          const retried = await temporal.client.workflow.start('etlRun', {
            taskQueue: faulty.taskQueue,
            workflowId: 'sparkify-etl-2018-11-09',
            args: [{ window: { from: '2018-11-09', to: '2018-11-09' } }],
          });
          await retried.result();
          await save('etlRun-retriedActivity', retried.workflowId);
        });

        const bf = await temporal.client.workflow.start<typeof backfill>('backfill', {
          taskQueue: w.taskQueue,
          workflowId: `sparkify-backfill-2018-11-01_2018-11-04`,
          args: [{ from: '2018-11-01', to: '2018-11-04', concurrency: 2, datesPerRun: 2, etl: {} }],
        });
        await bf.result();
        await save('backfill-continued', bf.workflowId, bf.firstExecutionRunId);
        await save('backfill-completed', bf.workflowId);

        const scheduleId = `record-${randomUUID()}`;
        const schedule = await temporal.client.schedule.create({
          scheduleId,
          spec: { calendars: [{ hour: 2, minute: 0 }] },
          action: { type: 'startWorkflow', workflowType: 'scheduledEtlRun', workflowId: 'sparkify-etl-scheduled', taskQueue: w.taskQueue, args: [{ etl: {}, offsetDays: -1, timeZone: 'UTC' }] },
        });
        await schedule.backfill({ start: new Date('2018-11-08T01:00:00Z'), end: new Date('2018-11-08T03:00:00Z'), overlap: 'ALLOW_ALL' });
        const workflowId = await pollUntil('the schedule to start its backfilled action', async () => (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId);
        await temporal.client.workflow.getHandle(workflowId).result();
        await save('scheduledEtlRun', workflowId);
        await schedule.delete();
      });
    } finally {
      await temporal.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

