/**
 * `sparkify runs list`'s text: a completed run that etl_runs records without a window loaded every
 * file (`sparkify run --all`, the README's first command), and read "dates not recorded".
 */
import { describeListing } from '../../src/cli/runsList';
import type { RunListing } from '../../src/ledger/runListing';

const listing = (recorded: RunListing['recorded']): RunListing => ({ warehouse: 'duckdb:w.duckdb', recorded, unrecorded: [], unrecordedTotal: 0, temporalAsked: false, notes: [] });

test('a completed run without a window reads as all files; a failed one whose dates are unknown says so', () => {
  const text = describeListing(
    listing([
      { runId: 'all', outcome: 'completed', window: null, startedAt: '2026-12-05T07:15:17.222Z', finishedAt: '2026-12-05T07:15:18.168Z' },
      { runId: 'day', outcome: 'completed', window: { from: '2018-11-01', to: '2018-11-01' }, startedAt: null, finishedAt: '2026-12-05T07:00:00.000Z' },
      { runId: 'lost', outcome: 'failed', window: null, startedAt: null, finishedAt: '2026-12-05T06:00:00.000Z' },
    ]),
    20,
  );
  expect(text.split('\n').slice(1, 4)).toEqual([
    '  completed all  all files  started 2026-12-05T07:15:17.222Z, finished 2026-12-05T07:15:18.168Z',
    '  completed day  2018-11-01  finished 2026-12-05T07:00:00.000Z',
    '  failed    lost  dates not recorded  recorded failed as of 2026-12-05T06:00:00.000Z',
  ]);
});
