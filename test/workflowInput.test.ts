import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { sqlStatements } from '../src/warehouse/sql';
import { backfillInputShape, CHECKABLE_COLUMNS, checkWorkflowInput, etlInputShape, INVALID_INPUT, scheduledInputShape } from '../src/workflows/inputs';
import { startTestTemporal, type TestTemporal } from './harness/temporal';

/** Every workflow checks its input before doing anything, and fails at once, without retry, naming the field. */

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe(INVALID_INPUT);
    return (err as Error).message;
  }
  throw new Error('the input was accepted');
}

const brokenCheck = (rule: Record<string, unknown>) => ({ extraChecks: [{ name: 'x', severity: 'error', description: 'x', rule }] });

describe('input schemas', () => {
  test('valid inputs pass unchanged, unknown extra fields included', () => {
    const input = {
      source: '/data',
      warehouse: 'postgres://u:***@h/db',
      window: { from: '2018-11-01', to: '2018-11-02' },
      maxRejectRate: 0.05,
      heartbeatTimeout: '30s',
      extraChecks: [{ name: 'paid', severity: 'error', description: 'd', rule: { kind: 'accepted_values', table: 'users', column: 'level', values: ['paid'] } }],
      somethingNewer: 1,
    };
    expect(checkWorkflowInput('etlRun', etlInputShape, input)).toBe(input);
    expect(checkWorkflowInput('etlRun', etlInputShape, {})).toEqual({});
    expect(checkWorkflowInput('backfill', backfillInputShape, { from: '2018-11-01', to: '2018-11-07', etl: {} })).toBeDefined();
    expect(checkWorkflowInput('scheduledEtlRun', scheduledInputShape, { etl: {}, timeZone: 'Europe/Berlin', offsetDays: -1 })).toBeDefined();
  });

  test.each([
    ['backfill without etl', 'backfill', backfillInputShape, { from: '2018-11-01', to: '2018-11-07', concurrency: 3 }, /^invalid backfill input: etl: expected object, got nothing\. Expected \{ from: "YYYY-MM-DD"/],
    ['backfill past year 2199', 'backfill', backfillInputShape, { from: '2018-11-01', to: '9999-12-31', etl: {} }, /to: "9999-12-31" is outside the supported dates/],
    ['backfill from after to', 'backfill', backfillInputShape, { from: '2018-11-07', to: '2018-11-01', etl: {} }, /to: from is after to/],
    ['backfill concurrency 0', 'backfill', backfillInputShape, { from: '2018-11-01', to: '2018-11-01', etl: {}, concurrency: 0 }, /concurrency: /],
    ['etlRun with a string window', 'etlRun', etlInputShape, { window: '2018-11-01' }, /window: expected object, got string/],
    ['etlRun with a bad reject rate', 'etlRun', etlInputShape, { maxRejectRate: 'lots' }, /maxRejectRate: expected number, got string/],
    ['etlRun as null', 'etlRun', etlInputShape, null, /\(the input\): expected object, got null/],
    ['a check naming an undeclared table (SQL through input)', 'etlRun', etlInputShape, brokenCheck({ kind: 'not_null', table: 'users; DROP TABLE users; --', column: 'level' }), /extraChecks\.0\.rule\.table: /],
    ['a check naming an undeclared column', 'etlRun', etlInputShape, brokenCheck({ kind: 'unique', table: 'users', column: 'password' }), /extraChecks\.0\.rule\.column: "password" is not a column of users/],
    ['a check with an expression as column', 'etlRun', etlInputShape, brokenCheck({ kind: 'not_null', table: 'users', column: 'level OR 1=1' }), /extraChecks\.0\.rule\.column: is not a plain column name/],
    ['a reference to an undeclared column', 'etlRun', etlInputShape, brokenCheck({ kind: 'references', table: 'songplays', column: 'user_id', refTable: 'users', refColumn: '(SELECT 1)' }), /extraChecks\.0\.rule\.refColumn/],
    ['a rule with extra SQL fields', 'etlRun', etlInputShape, brokenCheck({ kind: 'run_has_events', where: '1=1' }), /extraChecks\.0\.rule/],
    ['schedule in an unknown time zone', 'scheduledEtlRun', scheduledInputShape, { etl: {}, timeZone: 'Mars/Olympus' }, /timeZone: is not an IANA time zone/],
    ['schedule without etl', 'scheduledEtlRun', scheduledInputShape, {}, /etl: expected object, got nothing/],
  ] as const)('%s is rejected, naming the field', (_name, workflow, schema, input, message) => {
    expect(rejection(() => checkWorkflowInput(workflow, schema, input))).toMatch(message);
  });

  test('the columns a check may name are exactly the declared star schema', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      for (const table of Object.keys(CHECKABLE_COLUMNS)) await w.execute(sqlStatements(`schema/${table}`, w.dialect));
      const rows = await w.query(`SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position`);
      const declared: Record<string, string[]> = {};
      for (const r of rows) (declared[String(r.table_name)] ??= []).push(String(r.column_name));
      expect(declared).toEqual(CHECKABLE_COLUMNS);
    } finally {
      await w.close();
    }
  });
});

describe('workflows started with a bad input fail at once', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await startTestTemporal();
  });
  afterAll(() => temporal?.stop());

  async function startAndFail(workflowType: string, input: unknown): Promise<{ message: string; type?: string; events: string[] }> {
    const w = await temporal.worker();
    return w.during(async () => {
      const handle = await temporal.client.workflow.start(workflowType, { taskQueue: w.taskQueue, workflowId: `bad-${randomUUID()}`, args: [input] });
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      const history = await handle.fetchHistory();
      const events = (history.events ?? []).map((e) => String(e.eventType));
      return { message: cause.message, type: cause.type ?? undefined, events };
    });
  }

  test('the backfill of the issue (no etl field) fails naming etl, starting no child', async () => {
    const { message, type, events } = await startAndFail('backfill', { from: '2018-11-01', to: '2018-11-07', concurrency: 3 });
    expect(type).toBe(INVALID_INPUT);
    expect(message).toMatch(/^invalid backfill input: etl: expected object, got nothing\. Expected \{ from: "YYYY-MM-DD", to: "YYYY-MM-DD", etl: \{/);
    expect(events.join(' ')).not.toMatch(/CHILD_WORKFLOW|ACTIVITY_TASK_SCHEDULED/);
  });

  test('etlRun with SQL in an extra check fails before any activity', async () => {
    const { message, events } = await startAndFail('etlRun', brokenCheck({ kind: 'not_null', table: 'users', column: '1; DROP TABLE users' }));
    expect(message).toMatch(/^invalid etlRun input: extraChecks\.0\.rule\.column: is not a plain column name/);
    expect(events.join(' ')).not.toMatch(/ACTIVITY_TASK_SCHEDULED/);
  });

  test('a scheduled run without etl fails naming it', async () => {
    const { message } = await startAndFail('scheduledEtlRun', { offsetDays: -1 });
    expect(message).toMatch(/^invalid scheduledEtlRun input: etl: expected object, got nothing/);
  });
});

describe('the quality-check activity checks extra checks too', () => {
  test('an undeclared column handed straight to the activity is refused before any SQL runs', async () => {
    const resources = new Resources({ s3: {}, log: silentLogger });
    const activities = createActivities({ resources, log: silentLogger });
    const stage = { kind: 'events' as const, files: 0, bytes: 0, recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] };
    try {
      const call = activities.runQualityChecks({
        runId: 'r',
        source: '/nowhere',
        warehouse: 'duckdb::memory:',
        staging: { events: stage, songs: { ...stage, kind: 'songs' } },
        matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
        matchRateWarnBelow: 0.5,
        failOnEmpty: false,
        extraChecks: [{ name: 'x', severity: 'error', description: 'x', rule: { kind: 'not_null', table: 'users', column: 'level IS NULL OR 1=1 --' } }],
      });
      await expect(call).rejects.toThrow(/^extraChecks: 0\.rule\.column: is not a plain column name$/);
    } finally {
      await resources.close();
    }
  });
});
