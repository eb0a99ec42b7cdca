/**
 * The failure types are one typed contract (src/errors.ts): the workflows' retry policies list
 * NON_RETRYABLE_ERROR_TYPES, activities fail under ERROR_TYPES names, and no code spells a type as a
 * string of its own.
 */
import { ApplicationFailure, ensureApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createActivities, type ActivityDeps } from '../../src/activities';
import { withFailureType } from '../../src/activities/failureTypes';
import { ConfigError, ERROR_TYPES, NON_RETRYABLE_ERROR_TYPES } from '../../src/errors';
import { SqlError } from '../../src/warehouse/errors';
import { StatementFailedError } from '../../src/warehouse/redshift/dataApi';
import { backfill } from '../../src/workflows/backfill';
import { etlRun } from '../../src/workflows/etl';
import { MockActivities } from './support/mockActivities';
import { startWorkflowEnv, type WorkflowEnv } from './support/workflowEnv';

const SRC = path.resolve(__dirname, '../../src');
const statementFailed = () => new StatementFailedError('relation "songs" does not exist', { Id: 'x' } as never);

describe('the error types, statically', () => {
  test('no source file but src/errors.ts spells an error type as a string (compare or throw by ERROR_TYPES)', () => {
    const literal = new RegExp(`['"\`](${Object.values(ERROR_TYPES).join('|')})['"\`]`);
    const spelled = (fs.readdirSync(SRC, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && f !== 'errors.ts')
      .flatMap((f) =>
        fs
          .readFileSync(path.join(SRC, f), 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `src/${f}:${i + 1}`, line }))
          .filter(({ line }) => literal.test(line)),
      );
    expect(spelled).toEqual([]);
    // The pattern finds one (so the check above can fail).
    expect(literal.test(`if ((err as Error).name === 'SqlError')`)).toBe(true);
  });

  test('the error classes fail under their ERROR_TYPES names, which retrying cannot fix', () => {
    expect(new SqlError('x').name).toBe(ERROR_TYPES.sql);
    expect(new ConfigError('x').name).toBe(ERROR_TYPES.config);
    expect(ensureApplicationFailure(new SqlError('x')).type).toBe(ERROR_TYPES.sql);
    expect(NON_RETRYABLE_ERROR_TYPES).toEqual(expect.arrayContaining([ERROR_TYPES.sql, ERROR_TYPES.config, ERROR_TYPES.invalidInput, ERROR_TYPES.qualityCheckFailed]));
  });

  test("a SqlError subclass would fail under its class name (Temporal's rule), so activities give it its base type", () => {
    expect(ensureApplicationFailure(statementFailed()).type).toBe('StatementFailedError');
    const typed = withFailureType(statementFailed()) as ApplicationFailure;
    expect(typed).toBeInstanceOf(ApplicationFailure);
    expect(typed).toMatchObject({ type: ERROR_TYPES.sql, nonRetryable: false, message: 'relation "songs" does not exist' });
    expect(typed.cause).toBeInstanceOf(StatementFailedError);
    // The base classes and other errors leave unchanged.
    const plain = new SqlError('x');
    expect(withFailureType(plain)).toBe(plain);
    const other = new Error('connection reset');
    expect(withFailureType(other)).toBe(other);
  });

  test('every registered activity fails under the base type', async () => {
    // Whatever the activity asks of its resources fails as the Redshift adapter does on a refused statement.
    const failing = new Proxy(
      {},
      {
        get: () => () => {
          throw statementFailed();
        },
      },
    );
    const activities = createActivities({ resources: failing, log: { info: () => undefined, warn: () => undefined } } as unknown as ActivityDeps);
    const types: Record<string, unknown> = {};
    for (const [name, activity] of Object.entries(activities)) {
      if (name === 'sendNotification') continue; // reaches no warehouse
      types[name] = await (activity as (input: unknown) => Promise<unknown>)({ warehouse: 'w', source: 's', runId: 'r', dates: ['2018-11-01'], extraChecks: [] }).then(
        () => 'resolved',
        (err: unknown) => (err instanceof ApplicationFailure ? err.type : (err as Error).constructor.name),
      );
    }
    expect(Object.keys(types)).toHaveLength(Object.keys(activities).length - 1);
    expect(Object.values(types).every((t) => t === ERROR_TYPES.sql)).toEqual(true);
  });
});

describe("the workflows' retry policies list NON_RETRYABLE_ERROR_TYPES", () => {
  let env: WorkflowEnv;
  beforeAll(async () => {
    env = await startWorkflowEnv();
  });
  afterAll(async () => {
    await env?.stop();
  });

  const ETL = { source: '/data', warehouse: 'duckdb:/tmp/w.duckdb' };
  const fail = (type: string) => async () => {
    throw ApplicationFailure.create({ type, message: `broken (${type})` });
  };

  test("every retry policy in src/workflows/ lists NON_RETRYABLE_ERROR_TYPES, not a list of its own", () => {
    const policies = fs
      .readdirSync(path.join(SRC, 'workflows'))
      .flatMap((f) => [...fs.readFileSync(path.join(SRC, 'workflows', f), 'utf8').matchAll(/nonRetryableErrorTypes:\s*([^,}]+)/g)].map((m) => `${f}: ${m[1].trim()}`));
    expect(policies).toEqual(['backfill.ts: NON_RETRYABLE_ERROR_TYPES', 'etl.ts: NON_RETRYABLE', 'etl.ts: NON_RETRYABLE']);
    expect(fs.readFileSync(path.join(SRC, 'workflows/etl.ts'), 'utf8')).toContain("import { NON_RETRYABLE_ERROR_TYPES as NON_RETRYABLE } from '../errors';");
  });

  // As run: one type of the list per workflow (etlWorkflow.test.ts runs each type through the quick steps).
  test.each([ERROR_TYPES.sql])("etlRun's long loads do not retry %s", async (type) => {
    const mocks = new MockActivities({ loadSongs: fail(type) });
    const result = await env.withWorker(mocks.activities(), (taskQueue) =>
      env.client.workflow.execute(etlRun, { taskQueue, workflowId: `unit-errors-${randomUUID()}`, args: [{ ...ETL, window: { from: '2018-11-01', to: '2018-11-01' } }] }).catch((err: unknown) => err),
    );
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(mocks.count('loadSongs')).toBe(1);
  });

  test.each([ERROR_TYPES.config])("backfill's ledger lookup does not retry %s", async (type) => {
    const mocks = new MockActivities({ loadedDates: fail(type) });
    const result = await env.withWorker(mocks.activities(), (taskQueue) =>
      env.client.workflow
        .execute(backfill, { taskQueue, workflowId: `unit-errors-${randomUUID()}`, args: [{ from: '2018-11-01', to: '2018-11-01', onlyMissing: true, etl: ETL }] })
        .catch((err: unknown) => err),
    );
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(mocks.count('loadedDates')).toBe(1);
  });

  test('a type outside the list is retried (so the checks above can fail)', async () => {
    const mocks: MockActivities = new MockActivities({
      loadedDates: async () => {
        if (mocks.count('loadedDates') === 1) throw ApplicationFailure.create({ type: 'StatementFailedError', message: 'busy' });
        return [];
      },
    });
    const result = await env.withWorker(mocks.activities(), (taskQueue) =>
      env.client.workflow
        .execute(backfill, { taskQueue, workflowId: `unit-errors-${randomUUID()}`, args: [{ from: '2018-11-01', to: '2018-11-01', onlyMissing: true, etl: ETL }] })
        .catch((err: unknown) => err),
    );
    expect(result).toMatchObject({ completed: 1 });
    expect(mocks.count('loadedDates')).toBe(2);
  });
});
