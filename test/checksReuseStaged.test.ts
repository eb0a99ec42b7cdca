/**
 * The check step takes the staging reconciliation results checkStagedData returned before the
 * publish as they are, instead of counting every staged row again; every other check still runs,
 * and the results keep the checks' order.
 */
import { reusableStagedResults, runChecksReusing } from '../src/activities/checkActivities';
import type { CheckResult } from '../src/etl/types';
import { qualityChecks, stagingReconciliationCheckName, type CheckDefinition } from '../src/quality/checks';
import type { RunFacts } from '../src/quality/runner';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { sqlStatements } from '../src/warehouse/sql';

const stage = (kind: 'events' | 'songs') => ({ kind, files: 1, bytes: 1, recordsRead: 3, recordsStaged: 3, recordsRejected: 0, rejectSamples: [] });
const facts: RunFacts = {
  runId: 'r1',
  staging: { events: stage('events'), songs: stage('songs') },
  matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
};
const staged = (name: string): CheckResult => ({ name, severity: 'error', status: 'pass', failingCount: 0, sampleKeys: [], description: 'counted before the publish' });

test('the reconciliations checkStagedData returned are reused; the other checks run, in order', async () => {
  const warehouse = await DuckDbWarehouse.open(':memory:');
  try {
    // The star tables exist and are empty, and staging_events (which the check of plays under
    // another spelling reads); staging_songs does not exist at all, so counting the staged rows
    // again would fail the step.
    for (const table of ['songplays', 'users', 'songs', 'artists', 'time', 'staging_events']) await warehouse.execute(sqlStatements(`schema/${table}`, warehouse.dialect));
    const checks: CheckDefinition[] = qualityChecks();
    const stagedResults = [staged(stagingReconciliationCheckName('staging_events')), staged(stagingReconciliationCheckName('staging_songs'))];
    const reusable = reusableStagedResults(checks, stagedResults);
    expect([...reusable.keys()].sort()).toEqual([stagingReconciliationCheckName('staging_events'), stagingReconciliationCheckName('staging_songs')].sort());
    const done: number[] = [];
    const results = await runChecksReusing(warehouse, checks, reusable, facts, (n) => done.push(n));
    expect(results.map((r) => r.name)).toEqual(checks.map((c) => c.name));
    expect(results.filter((r) => r.description === 'counted before the publish').map((r) => r.name).sort()).toEqual([...reusable.keys()].sort());
    expect(done.length).toBe(checks.length - 2);
    // Without them the step counts the staged rows itself (here: staging_songs is no table).
    await expect(runChecksReusing(warehouse, checks, reusableStagedResults(checks, undefined), facts, () => {})).rejects.toThrow(/staging_songs/);
  } finally {
    await warehouse.close();
  }
});

test('only a declared reconciliation of the same name and severity is reused', () => {
  const checks = qualityChecks();
  const events = stagingReconciliationCheckName('staging_events');
  expect(reusableStagedResults(checks, [{ ...staged(events), severity: 'warn' }]).size).toBe(0);
  expect(reusableStagedResults(checks, [staged('run has events')]).size).toBe(0);
  expect(reusableStagedResults(checks, [staged(events)]).get(events)?.description).toBe('counted before the publish');
});
