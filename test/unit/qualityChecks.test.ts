/**
 * The column checks and the staging reconciliation run their sql/checks/*.sql files: on an
 * in-process DuckDB with known bad rows, each reports exactly the failing rows it should.
 */
import { qualityChecks, type CheckDefinition, type CheckRule } from '../../src/quality/checks';
import { checkSettings, runCheck, runChecks, type RunFacts } from '../../src/quality/runner';
import { sqlStatements } from '../../src/warehouse/sql';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import type { Warehouse } from '../../src/warehouse/types';

let warehouse: DuckDbWarehouse;

const stage = (kind: 'events' | 'songs', recordsRead: number, recordsRejected: number) => ({
  kind,
  files: 1,
  bytes: 1,
  recordsRead,
  recordsStaged: recordsRead - recordsRejected,
  recordsRejected,
  rejectSamples: [],
});

const facts: RunFacts = {
  runId: 'r1',
  staging: { events: stage('events', 5, 2), songs: stage('songs', 4, 0) },
  matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
};

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open(':memory:');
  for (const name of ['users', 'songplays', 'staging_events', 'staging_songs'] as const) {
    await warehouse.execute(sqlStatements(`schema/${name}`, 'duckdb'));
  }
  await warehouse.execute([
    "INSERT INTO users (user_id, first_name, level) VALUES (1, 'A', 'free'), (2, NULL, 'paid'), (3, NULL, 'gold'), (4, 'D', NULL)",
    "INSERT INTO songplays (songplay_id, start_time, user_id, level) VALUES ('p1', TIMESTAMP '2018-11-01 00:00:00', 1, 'free'), " +
      "('p1', TIMESTAMP '2018-11-01 00:00:01', 9, 'free'), ('p2', TIMESTAMP '2018-11-01 00:00:02', 8, 'free'), ('p3', TIMESTAMP '2018-11-01 00:00:03', 1, 'free')",
    "INSERT INTO staging_events (run_id, source_key, source_line) VALUES ('r1', 'a', 1), ('r1', 'a', 2), ('r1', 'a', 3), ('r0', 'a', 1)",
    "INSERT INTO staging_songs (run_id, source_key, source_line) VALUES ('r1', 'b', 1), ('r1', 'b', 2)",
  ]);
});
afterAll(async () => warehouse?.close());

const check = (rule: CheckRule): CheckDefinition => ({ name: rule.kind, severity: 'error', description: 'd', rule });

test.each<[string, CheckRule, number, string[]]>([
  ['not_null', { kind: 'not_null', table: 'users', column: 'first_name' }, 2, ['2', '3']],
  ['unique', { kind: 'unique', table: 'songplays', column: 'songplay_id' }, 1, ['p1']],
  ['references', { kind: 'references', table: 'songplays', column: 'user_id', refTable: 'users', refColumn: 'user_id' }, 2, ['p1', 'p2']],
  ['accepted_values', { kind: 'accepted_values', table: 'users', column: 'level', values: ['free', 'paid'] }, 2, ['3', '4']],
  ['staging_reconciliation (events: 3 staged, 5 read - 2 rejected)', { kind: 'staging_reconciliation', table: 'staging_events' }, 0, []],
  ['staging_reconciliation (songs: 2 staged, 4 expected)', { kind: 'staging_reconciliation', table: 'staging_songs' }, 2, ['staged 2, expected 4']],
])('%s', async (_label, rule, failing, samples) => {
  const result = await runCheck(warehouse, check(rule), facts);
  expect({ failing: result.failingCount, samples: result.sampleKeys, status: result.status }).toEqual({ failing, samples, status: failing === 0 ? 'pass' : 'fail' });
});

test('a passing column check reports no rows', async () => {
  const result = await runCheck(warehouse, check({ kind: 'not_null', table: 'users', column: 'user_id' }), facts);
  expect(result).toMatchObject({ status: 'pass', failingCount: 0, sampleKeys: [] });
});

// On PostgreSQL each check statement runs in a transaction of its own after the check settings
// (sql/postgres/check_settings.sql: small hash batches, no parallel workers), so they hold for it alone.
test('on PostgreSQL, each check statement but the reconciliation runs after the check settings, in its own transaction', async () => {
  const calls: Array<{ setup: readonly string[] | null; sql: string }> = [];
  const answer = (sql: string) => (/COUNT\(\*\) AS failing/.test(sql) && !/OVER/.test(sql) ? [{ failing: 0 }] : /AS n FROM/.test(sql) ? [{ n: 3 }] : []);
  const postgres = {
    dialect: 'postgres',
    description: 'a recording PostgreSQL',
    query: async (sql: string) => (calls.push({ setup: null, sql }), answer(sql)),
    queryInTransaction: async (setup: readonly string[], sql: string) => (calls.push({ setup, sql }), answer(sql)),
  } as unknown as Warehouse;
  const settings = checkSettings('postgres');
  expect(settings.join('\n')).toMatch(/SET LOCAL work_mem = '1MB'[\s\S]*SET LOCAL max_parallel_workers_per_gather = 0/);
  for (const rule of [
    { kind: 'references', table: 'songplays', column: 'start_time', refTable: 'time', refColumn: 'start_time' },
    { kind: 'accepted_values', table: 'songplays', column: 'level', values: ['free', 'paid'] },
    { kind: 'not_null', table: 'users', column: 'user_id' },
    { kind: 'staging_reconciliation', table: 'staging_events' },
    { kind: 'pages_like_next_song' },
  ] as CheckRule[]) {
    await runCheck(postgres, check(rule), facts);
  }
  expect(calls.map((c) => [c.setup, c.sql.match(/Quality check [a-z_]+(, first step)?/)?.[0]])).toEqual([
    [settings, 'Quality check references, first step'],
    [settings, 'Quality check accepted_values'],
    [settings, 'Quality check not_null'],
    // The reconciliation, which checkStagedData runs alone before the publish, keeps its parallel workers.
    [null, 'Quality check staging_reconciliation'],
    [settings, 'Quality check pages_like_next_song'],
  ]);
  // Elsewhere nothing is set.
  expect(checkSettings('duckdb')).toEqual([]);
  expect(checkSettings('redshift')).toEqual([]);
});

// The checks that read the most rows (the references, the run's staged pages) start first, so that
// on PostgreSQL's two lanes the last one started is a short one; the results keep the declared order.
test('runChecks starts the references and pages checks first, and returns results in the declared order', async () => {
  const started: string[] = [];
  const record = async (sql: string) => {
    started.push(sql.match(/Quality check ([a-z_]+)/)?.[1] ?? sql.slice(0, 40));
    return /COUNT\(\*\) AS failing/.test(sql) && !/OVER/.test(sql) ? [{ failing: 0 }] : [];
  };
  const postgres = {
    dialect: 'postgres',
    description: 'a recording PostgreSQL',
    query: record,
    queryInTransaction: async (_setup: readonly string[], sql: string) => record(sql),
  } as unknown as Warehouse;
  const checks = qualityChecks().filter((c) => c.rule.kind !== 'staging_reconciliation');
  const results = await runChecks(postgres, checks, facts);
  expect(results.map((r) => r.name)).toEqual(checks.map((c) => c.name));
  expect(started.slice(0, 3)).toEqual(['references', 'references', 'pages_like_next_song']);
});
