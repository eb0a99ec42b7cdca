/**
 * A run marks itself as publishing until its check step begins (src/activities/publishingRuns.ts).
 * A run terminated mid-publish runs no code to clear its mark: it counted forever, and every other
 * run's failing reference check was retried for minutes beside it, naming a run long gone. A mark
 * older than the longest a live run stays marked no longer counts.
 */
import { otherPublishingRuns, markPublishingStatements, PUBLISHING_MARK_LIFETIME_MS } from '../../src/activities/publishingRuns';
import { RETRY_INTERVAL_MAX_MS, STEP_ATTEMPTS, STEP_TIMEOUT_MS } from '../../src/defaults';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb';
import { sqlStatements } from '../../src/warehouse/sql';

const NOW = new Date('2018-12-01T00:00:00.000Z');

test('a mark counts while its run may still be publishing, and not after', async () => {
  const warehouse = await DuckDbWarehouse.open(':memory:');
  try {
    await warehouse.execute(sqlStatements('schema/etl_tables', 'duckdb'));
    const markedAt = (ageMs: number) => new Date(NOW.getTime() - ageMs);
    await warehouse.execute(markPublishingStatements(warehouse, 'terminated', markedAt(PUBLISHING_MARK_LIFETIME_MS + 60_000)));
    await warehouse.execute(markPublishingStatements(warehouse, 'slow', markedAt(PUBLISHING_MARK_LIFETIME_MS - 60_000)));
    await warehouse.execute(markPublishingStatements(warehouse, 'recent', markedAt(60_000)));
    expect((await otherPublishingRuns(warehouse, 'checking', NOW)).map((r) => r.runId)).toEqual(['slow', 'recent']);
  } finally {
    await warehouse.close();
  }
});

test("the lifetime covers repairText, two publishes in a row and the check step, through all of the workflow's attempts", () => {
  const step = (kind: 'quick' | 'loads') => STEP_ATTEMPTS[kind] * (STEP_TIMEOUT_MS[kind] + RETRY_INTERVAL_MAX_MS);
  expect(PUBLISHING_MARK_LIFETIME_MS).toBe(2 * step('quick') + 2 * step('loads'));
  // About 15 days with the workflow's policies (10 × 10 minutes, 30 × 6 hours).
  expect(Math.round(PUBLISHING_MARK_LIFETIME_MS / 86_400_000)).toBe(15);
});
