/**
 * The benchmark takes each engine's ratio against the fastest of its floor runs (one before the
 * workflow, one after), and its table shows every run, so a floor slowed by a passing load
 * elsewhere on the machine cannot flatter the ratio unseen.
 */
import { fastestFloor, floorSchema, type FloorResult } from '../../src/bench/floor';
import { sqlStatements } from '../../src/warehouse/sql';
import { formatSizeTable, type SizeResult } from '../../src/bench/report';

const floor = (stageSeconds: number, starSeconds: number): FloorResult => ({
  stageSeconds,
  starSeconds,
  totalSeconds: stageSeconds + starSeconds,
  songplays: 1000,
});

describe('the floor a ratio is taken against', () => {
  it('is the fastest run, whichever came first', () => {
    const slowBefore = floor(58.3, 34.8);
    const after = floor(13.2, 11.3);
    expect(fastestFloor([slowBefore, after])).toBe(after);
    expect(fastestFloor([after, slowBefore])).toBe(after);
    expect(fastestFloor([slowBefore])).toBe(slowBefore);
  });

  it('is missing when no run finished', () => {
    expect(fastestFloor([])).toBeUndefined();
  });

  it('is printed with every run it was picked from', () => {
    const runs = [floor(10.8, 5.3), floor(6.7, 5.5)];
    const result: SizeResult = {
      size: { name: '1.6M', days: 30, users: 18_700, songs: 14_200, seed: 7 },
      dataset: { logFiles: 30, songFiles: 14_200, events: 1_627_201, nextSongEvents: 1_258_765, users: 18_700, songs: 14_200, bytes: 761e6 },
      generateSeconds: null,
      engines: { duckdb: { floorRuns: runs, floor: fastestFloor(runs) } },
    };
    const table = formatSizeTable(result, ['duckdb']);
    const line = (label: string) => table.split('\n').find((l) => l.startsWith(label))?.slice(label.length).trim();
    expect(line('floor (stage + star)')).toBe('12.2 s (6.7 + 5.5)');
    expect(line('  (fastest of: before, after)')).toBe('16.1 s, 12.2 s');
  });
});

// The pipeline's schema files also create indexes and partitions for its reads among earlier runs
// (staging by run_id, songplays by start time); the floor, one load of one data set, creates its tables and keys
// without them, as it did before they existed, so their upkeep does not weigh on the floor alone.
describe("the floor's tables", () => {
  test.each(['postgres', 'duckdb'] as const)('on %s: the star and staging tables with their keys, without the pipeline\'s own indexes', (dialect) => {
    const floor = floorSchema(dialect);
    const pipeline = ['staging_events', 'staging_songs', 'songplays'].flatMap((name) => sqlStatements(`schema/${name}`, dialect));
    if (dialect === 'postgres') expect(pipeline.filter((s) => /\bCREATE INDEX\b/.test(s)).length).toBeGreaterThanOrEqual(2);
    expect(floor.filter((s) => /\bCREATE INDEX\b/i.test(s))).toEqual([]);
    // The pipeline's staging_events has a partition per run on PostgreSQL; the floor's is one table.
    if (dialect === 'postgres') expect(pipeline.find((s) => /CREATE TABLE IF NOT EXISTS staging_events\b/.test(s))).toMatch(/\) PARTITION BY LIST \(run_id\)$/);
    expect(floor.filter((s) => /PARTITION BY/i.test(s))).toEqual([]);
    for (const table of ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time']) {
      expect(floor.some((s) => new RegExp(`CREATE TABLE IF NOT EXISTS ${table}\\b`).test(s))).toBe(true);
    }
    if (dialect === 'postgres') expect(floor.join('\n')).toMatch(/PRIMARY KEY/);
  });
});
