import { qualityChecks } from '../src/quality/checks';
import { runCheck, type RunFacts } from '../src/quality/runner';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

/**
 * An event whose page reads NextSong but for case or spaces is staged and is no play (a play's page
 * is exactly 'NextSong'). Nothing said so: the warn check "no plays under another spelling" names
 * how many and where, the same on every engine, and passes where there are none.
 */
const warehouses = threeWarehousesInFile({ label: 'pages', schema: ['staging_events'] });
const COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'sessionid', 'iteminsession', 'ts', 'page'];
const LOG = 'log_data/2018/11/2018-11-01-events.json';
const PAGES = ['NextSong', 'nextsong', ' NextSong', 'Next Song', 'NEXTSONG ', 'Home', 'NextSongs', 'Next-Song'];

const facts = (runId: string): RunFacts => ({
  runId,
  staging: {
    events: { kind: 'events', files: 1, bytes: 0, recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] },
    songs: { kind: 'songs', files: 0, bytes: 0, recordsRead: 0, recordsStaged: 0, recordsRejected: 0, rejectSamples: [] },
  },
  matches: { plays: 0, strictMatches: 0, repairedMatches: 0, matchRate: 0, playsWithoutUser: 0 },
});

const check = qualityChecks().find((c) => c.rule.kind === 'pages_like_next_song')!;

test.each(['duckdb', 'postgres', 'redshift'])('on %s: the events named by file and line, counted; none where there are none', async (name) => {
  const warehouse = warehouses[name];
  await attachStagingPartitions(warehouse, 'spelled', 'clean');
  await warehouse.appendRows('staging_events', COLUMNS, PAGES.map((page, i) => ['spelled', LOG, i + 1, '7', 1, i, 1541030400000 + i, page]));
  await warehouse.appendRows('staging_events', COLUMNS, [['clean', LOG, 1, '7', 1, 0, 1541030400000, 'NextSong']]);
  expect(check.severity).toBe('warn');
  expect(await runCheck(warehouse, check, facts('spelled'))).toMatchObject({
    status: 'fail',
    failingCount: 4,
    sampleKeys: [2, 3, 4, 5].map((line) => `${LOG}:${line}`),
  });
  expect(await runCheck(warehouse, check, facts('clean'))).toMatchObject({ status: 'pass', failingCount: 0, sampleKeys: [] });
});
