/**
 * The rule for a PostgreSQL run's closing ANALYZE (src/staging/stagingStatistics.ts): the whole
 * staging_events when its statistics do not stand for it any more, else the run's partition only.
 */
import { analyzesWholeTable, WHOLE_STATISTICS_MAX_AGE_SECONDS } from '../../src/staging/stagingStatistics';

const DAY = 24 * 3600;

describe('analyzesWholeTable', () => {
  test('when the table has no whole statistics yet (a first run, or one after the table was emptied)', () => {
    expect(analyzesWholeTable({ analyzedRows: null, analyzedSecondsAgo: null, otherRows: 0 }, 1000)).toBe(true);
    expect(analyzesWholeTable({ analyzedRows: 0, analyzedSecondsAgo: 60, otherRows: 0 }, 1000)).toBe(true);
    expect(analyzesWholeTable({ analyzedRows: 1000, analyzedSecondsAgo: null, otherRows: 1000 }, 10)).toBe(true);
  });

  test('not for a night that adds a few percent of the rows the statistics were gathered from', () => {
    expect(analyzesWholeTable({ analyzedRows: 1_000_000, analyzedSecondsAgo: DAY, otherRows: 1_000_000 }, 50_000)).toBe(false);
    // Nor when the retention dropped as much as the night adds: the table holds as many rows.
    expect(analyzesWholeTable({ analyzedRows: 1_000_000, analyzedSecondsAgo: 3 * DAY, otherRows: 860_000 }, 140_000)).toBe(false);
  });

  test('when the table has grown or shrunk by more than a fifth since', () => {
    expect(analyzesWholeTable({ analyzedRows: 1_000_000, analyzedSecondsAgo: DAY, otherRows: 1_000_000 }, 200_001)).toBe(true);
    expect(analyzesWholeTable({ analyzedRows: 1_000_000, analyzedSecondsAgo: DAY, otherRows: 1_000_000 }, 200_000)).toBe(false);
    // A 29-day load's partition gone with the retention: a few nights remain.
    expect(analyzesWholeTable({ analyzedRows: 1_600_000, analyzedSecondsAgo: DAY, otherRows: 300_000 }, 50_000)).toBe(true);
  });

  test('when the statistics are older than a week, however little changed', () => {
    const week = WHOLE_STATISTICS_MAX_AGE_SECONDS;
    expect(analyzesWholeTable({ analyzedRows: 1_000_000, analyzedSecondsAgo: week + 1, otherRows: 1_000_000 }, 0)).toBe(true);
    expect(analyzesWholeTable({ analyzedRows: 1_000_000, analyzedSecondsAgo: week - 1, otherRows: 1_000_000 }, 0)).toBe(false);
  });
});
