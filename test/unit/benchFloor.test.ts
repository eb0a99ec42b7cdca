/**
 * The benchmark takes each engine's ratio against the fastest of its floor runs (one before the
 * workflow, one after), and its table shows every run, so a floor slowed by a passing load
 * elsewhere on the machine cannot flatter the ratio unseen.
 */
import { fastestFloor, type FloorResult } from '../../src/bench/floor';
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
