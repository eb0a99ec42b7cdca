import { formatSummary } from '../../src/cli/format';
import type { RunSummary } from '../../src/etl/types';
import { renderTerminal } from '../../src/insights/terminal';
import type { InsightReport } from '../../src/insights/model';
import { textTable, visibleControls } from '../../src/util/textTable';

/**
 * Text from the data printed to a terminal (the insights report's tables, `sparkify sql`) shows
 * control characters as escapes: a song titled with ESC [2J or OSC 0 … BEL must not clear,
 * recolour or retitle the terminal of whoever reads the report.
 */
const HOSTILE = '\u001b[2J\u001b[31mRED\u001b]0;pwned\u0007\u0008\u009b';
// eslint-disable-next-line no-control-regex -- what must not be printed
const NO_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('control characters become \\xNN escapes; a newline stays one only when asked', () => {
  expect(visibleControls(HOSTILE)).toBe('\\x1b[2J\\x1b[31mRED\\x1b]0;pwned\\x07\\x08\\x9b');
  expect(visibleControls('a\nb\tc')).toBe('a\\x0ab\\x09c');
  expect(visibleControls('a\nb\tc', true)).toBe('a\nb\\x09c');
  expect(visibleControls('Jóga ✓ 🎵')).toBe('Jóga ✓ 🎵');
});

test('a table cell holding control characters prints them as escapes, and its row stays one line', () => {
  const table = textTable(['title', 'plays'], [[HOSTILE, 3], ['two\nlines', 1]]);
  expect(table).not.toMatch(NO_CONTROLS);
  expect(table.split('\n')).toHaveLength(4);
  expect(table).toContain('\\x1b[2J');
});

test("the insights report's terminal form prints no control character from the data", () => {
  const report = {
    title: 'Sparkify insights',
    windowLabel: 'all dates',
    warehouse: 'duckdb:x',
    headline: [{ label: 'top song', value: HOSTILE }],
    sections: [
      {
        id: 's',
        title: 'Content',
        notes: [`most played: ${HOSTILE}`],
        charts: [{ id: 'c', title: 'Top songs', kind: 'bar', xLabel: 'song', yLabel: 'song', categories: [HOSTILE], series: [{ name: 'plays', values: [3] }], takeaway: `${HOSTILE} leads` }],
        tables: [],
      },
    ],
    data: { content: { plays: 3 } },
  } as unknown as InsightReport;
  const text = renderTerminal(report);
  expect(text).not.toMatch(NO_CONTROLS);
  expect(text).toContain('\\x1b]0;pwned\\x07');
});

test("the run summary prints no control character from a file's name or a reject's reason", () => {
  const stage = { files: 1, recordsRead: 2, recordsStaged: 1, recordsRejected: 1 };
  const summary = {
    workflowId: 'w', runId: 'r', durationMs: 1000, source: '/data', warehouse: 'duckdb:x', window: null, tables: {},
    staging: { events: stage, songs: stage },
    rejected: { count: 1, samples: [{ sourceKey: `log_data/2018/11/${HOSTILE}.json`, sourceLine: 1, reason: `field "userId" should be digits or empty, got ${HOSTILE}` }] },
    skipped: { count: 1, samples: [{ sourceKey: `${HOSTILE}.txt`, reason: 'outside log_data/ and song_data/' }] },
    matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
    checks: [], steps: {},
  } as unknown as RunSummary;
  const printed = formatSummary(summary);
  expect(printed).not.toMatch(NO_CONTROLS);
  expect(printed).toContain('got \\x1b[2J');
});
