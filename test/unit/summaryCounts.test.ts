/**
 * The run summary takes the run's staging row counts from its passed reconciliation checks (which
 * counted them) instead of reading the staging tables again; without both passed, it counts them.
 */
import { reconciledStagingCounts } from '../../src/activities/reportActivities';
import type { CheckResult, StageResult } from '../../src/etl/types';
import { qualityChecks, stagingReconciliationCheckName } from '../../src/quality/checks';

const stage = (kind: 'events' | 'songs', read: number, rejected: number): StageResult => ({
  kind,
  files: 2,
  bytes: 100,
  recordsRead: read,
  recordsStaged: read - rejected,
  recordsRejected: rejected,
  rejectSamples: [],
});
const staging = { events: stage('events', 1000, 7), songs: stage('songs', 40, 0) };
const result = (name: string, status: 'pass' | 'fail'): CheckResult => ({ name, severity: 'error', status, failingCount: status === 'pass' ? 0 : 3, sampleKeys: [], description: 'd' });

test('both reconciliation checks passed: the staged rows are the records read minus those rejected', () => {
  const checks = qualityChecks().map((c) => result(c.name, 'pass'));
  expect(reconciledStagingCounts(checks, staging)).toEqual({ staging_events: 993, staging_songs: 40 });
});

test('a reconciliation check failed or missing: no counts (the summary reads the tables)', () => {
  const names = qualityChecks().map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining([stagingReconciliationCheckName('staging_events'), stagingReconciliationCheckName('staging_songs')]));
  const failedSongs = names.map((n) => result(n, n === stagingReconciliationCheckName('staging_songs') ? 'fail' : 'pass'));
  expect(reconciledStagingCounts(failedSongs, staging)).toBeNull();
  const withoutEvents = names.filter((n) => n !== stagingReconciliationCheckName('staging_events')).map((n) => result(n, 'pass'));
  expect(reconciledStagingCounts(withoutEvents, staging)).toBeNull();
  expect(reconciledStagingCounts(undefined, staging)).toBeNull();
  expect(reconciledStagingCounts([], staging)).toBeNull();
});
