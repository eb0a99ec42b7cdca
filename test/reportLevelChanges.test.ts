/**
 * The report's level changes are the one insight read from staging (sql/insights/revenue_level_changes.sql).
 * The ETL queries them in a step of their own (queryLevelChanges), before summarizeRun may clear the
 * run's staging rows, and hands them to writeReport: with SPARKIFY_STAGING_RETENTION_DAYS=0 the
 * run's report still has them (it had none when writeReport read staging after the summary).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { buildInsights, queryLevelChanges, type LevelChange } from '../src/insights';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { scheduledInput } from './harness/activityHistory';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { withOpenedWarehouse } from './harness/openedWarehouse';

let temporal: TestTemporal;
let tmp: string;

beforeAll(async () => {
  temporal = await startTestTemporal();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-level-changes-'));
});

afterAll(async () => {
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const withWarehouse = <T>(file: string, fn: (w: DuckDbWarehouse) => Promise<T>): Promise<T> => withOpenedWarehouse(() => DuckDbWarehouse.open(file), fn);

/** The sample, all files, into a fresh DuckDB file; returns the file and what writeReport was given. */
async function runSample(retentionDays: string | undefined): Promise<{ file: string; reportInput: { levelChanges?: LevelChange[] } }> {
  const file = path.join(tmp, `wh-${randomUUID()}.duckdb`);
  const saved = process.env.SPARKIFY_STAGING_RETENTION_DAYS;
  if (retentionDays === undefined) delete process.env.SPARKIFY_STAGING_RETENTION_DAYS;
  else process.env.SPARKIFY_STAGING_RETENTION_DAYS = retentionDays;
  try {
    const w = await temporal.worker();
    const history = await w.during(async () => {
      const handle = await w.start({ source: SAMPLE_DIR, warehouse: `duckdb:${file}` });
      await handle.result();
      return handle.fetchHistory();
    });
    await w.resources.close();
    const reportInput = scheduledInput(history.events ?? [], 'writeReport');
    expect(reportInput).toBeDefined();
    return { file, reportInput: reportInput as { levelChanges?: LevelChange[] } };
  } finally {
    if (saved === undefined) delete process.env.SPARKIFY_STAGING_RETENTION_DAYS;
    else process.env.SPARKIFY_STAGING_RETENTION_DAYS = saved;
  }
}

test('with staging retention 0 the run still reports the level changes its events show', async () => {
  // The level changes of the sample, from staging kept after the run (the default retention).
  const kept = await runSample(undefined);
  const fromStaging = await withWarehouse(kept.file, (w) => queryLevelChanges(w, null));
  expect(fromStaging.reduce((n, d) => n + d.levelUpgrades + d.levelDowngrades + d.submitUpgrades + d.submitDowngrades, 0)).toBeGreaterThan(0);
  expect(kept.reportInput.levelChanges).toEqual(fromStaging);

  // Retention 0: the summary clears the run's staging rows, and the report is given the same changes.
  const cleared = await runSample('0');
  await withWarehouse(cleared.file, async (w) => {
    expect(Number((await w.query('SELECT COUNT(*) AS n FROM staging_events'))[0].n)).toBe(0);
    expect(await queryLevelChanges(w, null)).toEqual([]);
    // What writeReport builds from what it was given: the changes, not an empty staging's none.
    const report = await buildInsights(w, null, { levelChanges: cleared.reportInput.levelChanges });
    expect(report.data.revenue.levelChanges).toEqual(fromStaging);
  });
  expect(cleared.reportInput.levelChanges).toEqual(fromStaging);
});
