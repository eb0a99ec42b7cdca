/**
 * The benchmark's nightly runs: after the full load, the data set's last day again into the loaded
 * warehouse, the same day as a new night after the days before it, and the same day again into a
 * warehouse that holds only it. The size's table shows the three, their ratios to the day alone,
 * whether the rerun left the star tables as the load did, and each step's time in the three runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logDateRange } from '../../src/bench/datasets';
import { formatSizeTable, starTablesChanged, type EngineResult, type NightlyResult, type SizeResult } from '../../src/bench/report';
import type { WorkflowResult } from '../../src/bench/workflow';

const MIB = 1024 * 1024;
const STAR = { songplays: 1_258_765, users: 18_700, songs: 14_200, artists: 9_000, time: 1_200_000 };

const run = (wallSeconds: number, activities: Record<string, number>, tables: Record<string, number> = STAR, eventsStaged = 0): WorkflowResult => ({
  wallSeconds,
  activities,
  activeSeconds: wallSeconds - 0.2,
  overheadSeconds: 0.2,
  peakRssBytes: 400 * MIB,
  readyRssBytes: 200 * MIB,
  summary: { tables, staging: { events: { recordsStaged: eventsStaged } } } as unknown as WorkflowResult['summary'],
});

const sizeResult = (engines: Partial<Record<'duckdb' | 'postgres', EngineResult>>): SizeResult => ({
  size: { name: '1.6M', days: 30, users: 1, songs: 1, seed: 7 },
  dataset: { logFiles: 30, songFiles: 1, events: 1_600_000, nextSongEvents: 1_200_000, users: 1, songs: 1, bytes: 1e6 },
  generateSeconds: null,
  engines,
});

const loaded = run(12, { stageEvents: 5, loadSongplays: 4 });
const withNight = (nightly: NightlyResult): EngineResult => ({ workflow: loaded, workflowRuns: [loaded], nightly });

/** The cells of a row: its label's text is cut off, the engines' cells split on runs of spaces. */
const cells = (text: string, label: string, from = 0) => {
  const line = text.split('\n').slice(from).find((l) => l.startsWith(`${label} `));
  return line?.slice(label.length).trim().split(/\s{2,}/);
};
const nightlySteps = (text: string) => text.split('\n').findIndex((l) => l.startsWith('time per activity: rerun / new night / day alone'));

describe('the nightly runs in the benchmark', () => {
  it('show the rerun and the new night against the day alone, overall and per step, with the step waits', () => {
    const night: NightlyResult = {
      date: '2018-11-30',
      loadedTables: STAR,
      rerun: { ...run(7.8, { stageEvents: 1.1, queryLevelChanges: 2.2, loadTime: 0.9 }), turnWaits: { loadTime: 0.6 } },
      newNight: run(6, { stageEvents: 0.8, queryLevelChanges: 1.5, loadTime: 0.4, loadSongs: 0.2 }),
      alone: run(5, { stageEvents: 1.0, queryLevelChanges: 0.1, loadTime: 0.3 }, { songplays: 40_000 }, 54_321),
    };
    const text = formatSizeTable(sizeResult({ duckdb: withNight(night) }), ['duckdb']);
    expect(cells(text, 'nightly: 2018-11-30 again after the load')).toEqual(['7.80 s']);
    expect(cells(text, '  2018-11-30 new, after the days before it')).toEqual(['6.00 s']);
    expect(cells(text, '  the same day again after itself alone')).toEqual(['5.00 s (54,321 events)']);
    expect(cells(text, '  rerun to the day alone')).toEqual(['1.56×']);
    expect(cells(text, '  new night to the day alone')).toEqual(['1.20×']);
    expect(cells(text, '  star tables after the rerun')).toEqual(['unchanged']);
    const from = nightlySteps(text);
    expect(from).toBeGreaterThan(0);
    expect(cells(text, '  queryLevelChanges', from)).toEqual(['2.20 s / 1.50 s / 0.10 s']);
    expect(cells(text, '  loadTime', from)).toEqual(['0.90 s (0.60 s) / 0.40 s / 0.30 s']);
    // A step only the new night ran (its new song files) has a row too.
    expect(cells(text, '  loadSongs', from)).toEqual(['– / 0.20 s / –']);
    // The load's own step rows are above, with the load's times.
    expect(cells(text, '  stageEvents')).toEqual(['5.00 s']);
    expect(cells(text, '  stageEvents', from)).toEqual(['1.10 s / 0.80 s / 1.00 s']);
  });

  it('say which star tables a rerun changed, and why a run is missing', () => {
    expect(starTablesChanged(STAR, STAR)).toEqual([]);
    expect(starTablesChanged(STAR, { ...STAR, songplays: 1_258_700, time: 1_200_001 })).toEqual(['songplays 1,258,765 → 1,258,700', 'time 1,200,000 → 1,200,001']);

    const changed: NightlyResult = { date: '2018-11-30', loadedTables: STAR, rerun: run(8, {}, { ...STAR, users: 18_699 }), alone: run(5, {}) };
    const failed: NightlyResult = { date: '2018-11-30', alone: run(5, {}), error: 'the rerun: workflow timed out; the new night: workflow timed out' };
    const text = formatSizeTable(sizeResult({ duckdb: withNight(changed), postgres: withNight(failed) }), ['duckdb', 'postgres']);
    expect(cells(text, '  star tables after the rerun')).toEqual(['CHANGED: users 18,700 → 18,699', '–']);
    expect(cells(text, 'nightly: 2018-11-30 again after the load')).toEqual(['8.00 s', 'failed']);
    expect(cells(text, '  rerun to the day alone')).toEqual(['1.60×', '–']);
    expect(cells(text, '  2018-11-30 new, after the days before it')).toEqual(['failed', 'failed']);
    expect(cells(text, '  new night to the day alone')).toEqual(['–', '–']);
    expect(text.split('\n')).toContain('postgres nightly: the rerun: workflow timed out; the new night: workflow timed out');
  });

  it('leave the rows out when the bench ran no nightly runs', () => {
    const text = formatSizeTable(sizeResult({ duckdb: { workflow: loaded, workflowRuns: [loaded] } }), ['duckdb']);
    expect(text).not.toMatch(/nightly|day alone/);
  });

  it("take the days from the data set's first and latest event logs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-bench-nightly-'));
    try {
      const log = (date: string) => {
        const folder = path.join(dir, 'log_data', date.slice(0, 4), date.slice(5, 7));
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, `${date}-events.json`), '{}\n');
      };
      fs.mkdirSync(path.join(dir, 'log_data'));
      expect(() => logDateRange(dir)).toThrow(/^no event log under .*log_data$/);
      for (const date of ['2018-11-03', '2018-12-01', '2018-11-30']) log(date);
      // Not an event log by its name: left out.
      fs.writeFileSync(path.join(dir, 'log_data', '2018', '11', '2019-01-01-events.json.bak'), '');
      expect(logDateRange(dir)).toEqual({ first: '2018-11-03', last: '2018-12-01' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
