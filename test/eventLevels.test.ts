import { goodEvent } from './support/badInputCorpus';
import { everyStagingPath, STAGING_PATHS, type StagingPath } from './support/everyStagingPath';

/**
 * An event of a user whose level is not 'free' or 'paid' ("FREE", missing) is rejected with file,
 * line and reason on every staging path. It went into users or songplays, and the quality checks
 * then failed after the publish, on that run and on every run after it.
 */
const KEY = 'log_data/2018/11/2018-11-01-events.json';
const EVENTS = [
  goodEvent(0, { userId: '1', level: 'free' }),
  goodEvent(1, { userId: '2', level: 'paid', page: 'Home' }),
  goodEvent(2, { userId: '3', level: 'FREE' }),
  goodEvent(3, { userId: '4', level: undefined, page: 'Settings' }),
  // No user: its level feeds nothing, and it stays.
  goodEvent(4, { userId: '', level: undefined, page: 'Home' }),
  goodEvent(5, { userId: '5', level: 'premium', page: 'NextSong' }),
];
const CONTENT = EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n';
const REJECTS: [number, string][] = [
  [3, 'field "level" should be free or paid, got "FREE"'],
  [4, 'field "level" is missing'],
  [6, 'field "level" should be free or paid, got "premium"'],
];
const { harness, target } = everyStagingPath('levels', { [KEY]: CONTENT });
// A Redshift COPY names no line (docs/redshift.md); its one file here is named.
const linesKnown = (p: StagingPath) => p !== 'Redshift, COPY from S3';

describe.each(STAGING_PATHS)('%s', (engine) => {
  let ref: { runId: string; source: string; warehouse: string };
  beforeAll(async () => {
    ref = { runId: `levels-${engine.replace(/\W+/g, '-')}`, ...(await target(engine)) };
    await harness.activities.createSchema(ref);
    await harness.activities.listSourceFiles({ ...ref, window: null });
  });

  test('each is one reject with file, line and reason; the others stay staged; a retry gives the same', async () => {
    const result = await harness.activities.stageEvents({ ...ref, maxRejectRate: 1 });
    expect({ read: result.recordsRead, staged: result.recordsStaged, rejected: result.recordsRejected }).toEqual({ read: 6, staged: 3, rejected: 3 });
    const warehouse = await harness.resources.warehouse(ref.warehouse);
    const rejects = await warehouse.query(`SELECT source_key, source_line, reason FROM etl_rejected_records WHERE run_id = '${ref.runId}' ORDER BY reason`);
    const expected = REJECTS.map(([line, reason]) => ({ source_key: KEY, source_line: linesKnown(engine) ? line : null, reason })).sort((a, b) => (a.reason < b.reason ? -1 : 1));
    expect(rejects.map((r) => ({ ...r, source_line: r.source_line === null ? null : Number(r.source_line) }))).toEqual(expected);
    const staged = await warehouse.query(`SELECT userid, level FROM staging_events WHERE run_id = '${ref.runId}' ORDER BY iteminsession`);
    expect(staged).toEqual([
      { userid: '1', level: 'free' },
      { userid: '2', level: 'paid' },
      { userid: '', level: null },
    ]);

    expect(await harness.activities.stageEvents({ ...ref, maxRejectRate: 1 })).toEqual(result);
  }, 120_000);

  test('they count against the reject rate', async () => {
    await expect(harness.activities.stageEvents({ ...ref, maxRejectRate: 0.4 })).rejects.toThrow(/^3 of 6 events records rejected \(50\.00%, limit 40\.00%\)/);
  }, 120_000);
});
