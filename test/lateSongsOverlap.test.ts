/**
 * Late song matches (sql/transform/unmatched_plays.sql) when runs overlap: run A publishes plays
 * naming a song that run B publishes at the same time. Whatever order their transactions commit in
 * (A's songplays publish before its listing and re-match, B's songs before its re-match), A's plays
 * end with the song a publish after B's songs gives them, on every engine. The transactions run
 * as the pipeline runs them (publishTransform, the late match's file), one after another in each
 * order; that a transaction which read the keys before B's songs were in commits before B's
 * re-match reads the list is the locks' part (docs/operations.md, "A run per date").
 */
import { publishTransform, usersDays } from '../src/activities/publishActivities';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { sqlStatements, type SqlName, type SqlParam } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const warehouses = threeWarehousesInFile({ label: 'latematch', schema: SCHEMA_FILES });

const DAY = '2018-11-01';
const LOG = `log_data/2018/11/${DAY}-events.json`;
const EVENT_COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'sessionid', 'iteminsession', 'ts', 'page', 'level', 'song', 'artist', 'length'];
const SONG_COLUMNS = ['run_id', 'source_key', 'source_line', 'num_songs', 'artist_id', 'artist_name', 'song_id', 'title', 'duration', 'year'];
const REPAIR_COLUMNS = ['run_id', 'kind', 'raw', 'repaired', 'match_key'];
const TS = Date.parse(`${DAY}T10:00:00Z`);

let runs = 0;

/**
 * Run A (a day's plays: one the late song fits, one it does not) and run B (the late song), staged.
 * `secondPlayAt`: when A's second play is (by default on A's day; after its midnight, a cross-day play).
 */
async function stagedRuns(warehouse: Warehouse, secondPlayAt = TS + 60_000) {
  const [a, b] = [`late-a-${++runs}`, `late-b-${runs}`];
  await attachStagingPartitions(warehouse, a, b);
  await warehouse.appendRows('staging_events', EVENT_COLUMNS, [
    [a, LOG, 1, '7', 1, 0, TS, 'NextSong', 'free', 'Late Song', 'Late Artist', 200],
    [a, LOG, 2, '7', 1, 1, secondPlayAt, 'NextSong', 'free', 'Late Song', 'Late Artist', 260],
  ]);
  await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], [[a, 'events', LOG, 'etag', 1]]);
  await warehouse.appendRows('staging_songs', SONG_COLUMNS, [[b, 'song_data/A/B/C/SOLATE.json', 1, 1, 'ARLATE', 'Late Artist', 'SOLATE', 'Late Song', 201, 2000]]);
  const repairs = (run: string) => [
    [run, 'text', 'Late Song', 'Late Song', 'late song'],
    [run, 'text', 'Late Artist', 'Late Artist', 'late artist'],
  ];
  await warehouse.appendRows('etl_text_repairs', REPAIR_COLUMNS, [...repairs(a), ...repairs(b)]);
  const transaction = (name: SqlName, params: Record<string, SqlParam>) => () => warehouse.execute(sqlStatements(name, warehouse.dialect, params));
  const aParams = { run_id: a, ...usersDays([DAY]), duration_tolerance: 2, key_built_after: false, copies_counted: true };
  const bParams = { run_id: b, ...usersDays([]), duration_tolerance: 2, key_built_after: false, copies_counted: true };
  return {
    aPublish: transaction(publishTransform('loadSongplays', warehouse.dialect), aParams),
    aLateMatch: transaction('transform/unmatched_plays', aParams),
    bSongs: transaction(publishTransform('loadSongs', warehouse.dialect), { run_id: b }),
    bLateMatch: transaction('transform/unmatched_plays', bParams),
  };
}

async function clear(warehouse: Warehouse): Promise<void> {
  const tables = ['songplays', 'songs', 'etl_song_keys', 'etl_songplay_names', 'etl_play_names', 'etl_unmatched_plays', 'etl_cross_day_plays', 'staging_events', 'staging_songs', 'etl_run_files', 'etl_text_repairs', 'etl_match_stats'];
  await warehouse.execute(tables.map((t) => `DELETE FROM ${t}`));
}

async function ending(warehouse: Warehouse) {
  return {
    songs: (await warehouse.query('SELECT song_id FROM songplays ORDER BY start_time')).map((r) => r.song_id),
    matched: (await warehouse.query('SELECT matched FROM etl_songplay_names ORDER BY start_time')).map((r) => Number(r.matched)),
    listed: Number((await warehouse.query('SELECT COUNT(*) AS n FROM etl_unmatched_plays'))[0].n),
  };
}

/** Every order of A's two transactions and B's two in which each run's own come in order. */
const ORDERS = [
  ['aPublish', 'aLateMatch', 'bSongs', 'bLateMatch'],
  ['aPublish', 'bSongs', 'aLateMatch', 'bLateMatch'],
  ['aPublish', 'bSongs', 'bLateMatch', 'aLateMatch'],
  ['bSongs', 'aPublish', 'aLateMatch', 'bLateMatch'],
  ['bSongs', 'aPublish', 'bLateMatch', 'aLateMatch'],
  ['bSongs', 'bLateMatch', 'aPublish', 'aLateMatch'],
] as const;

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (name) => {
  test("a run's plays get the song another run publishes at the same time, whichever commits first", async () => {
    const warehouse = warehouses[name];
    const ends = [];
    for (const order of ORDERS) {
      await clear(warehouse);
      const transactions = await stagedRuns(warehouse);
      for (const step of order) await transactions[step]();
      ends.push({ order: order.join(' '), ...(await ending(warehouse)) });
    }
    expect(ends).toEqual(ORDERS.map((order) => ({ order: order.join(' '), songs: ['SOLATE', null], matched: [1, 0], listed: 1 })));
  });

  test("a run's play timed after its log's midnight is listed by that run and gets a later run's song", async () => {
    const warehouse = warehouses[name];
    await clear(warehouse);
    // A's first play fits the late song; its second (fitted, 200 s) is a play of the next day.
    const nextDay = Date.parse(`${DAY}T00:00:00Z`) + 86_400_000 + 600_000;
    const transactions = await stagedRuns(warehouse, nextDay);
    await warehouse.execute(["UPDATE staging_events SET length = 200 WHERE source_line = 2"]);
    for (const step of ['aPublish', 'aLateMatch', 'bSongs', 'bLateMatch'] as const) await transactions[step]();
    expect(await ending(warehouse)).toEqual({ songs: ['SOLATE', 'SOLATE'], matched: [1, 1], listed: 0 });
  });

  test('a play of an event staged twice is listed as the copy it keeps, so a late song gives it what a publish after that song does', async () => {
    const warehouse = warehouses[name];
    const ends = [];
    for (const order of [ORDERS[0], ORDERS[5]]) {
      await clear(warehouse);
      const transactions = await stagedRuns(warehouse);
      // A copy of A's first event: its play keeps the 'paid' copy (users' level rule), whose length
      // (260 s) no song fits; the 'free' copy's (200 s) fits the late song.
      await attachStagingPartitions(warehouse, `late-a-${runs}`);
      await warehouse.appendRows('staging_events', EVENT_COLUMNS, [[`late-a-${runs}`, LOG, 3, '7', 1, 0, TS, 'NextSong', 'paid', 'Late Song', 'Late Artist', 260]]);
      for (const step of order) await transactions[step]();
      ends.push({ order: order.join(' '), ...(await ending(warehouse)) });
    }
    expect(ends).toEqual([ORDERS[0], ORDERS[5]].map((order) => ({ order: order.join(' '), songs: [null, null], matched: [0, 0], listed: 2 })));
  });
});
