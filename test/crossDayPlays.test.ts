/**
 * A play whose event sits in one day's log but is timed on the next day (sql/schema/etl_cross_day_plays.sql)
 * survives the next day's run, which replaces that day's plays: runs of one date at a time end with
 * the plays of one run over both dates, on every engine, whatever order the dates ran in. The
 * publishes run as the pipeline runs them: loadTime's and loadSongplays' transforms, for the engine.
 */
import { publishTransform } from '../src/activities/publishActivities';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const warehouses = threeWarehousesInFile({ label: 'crossday', schema: SCHEMA_FILES });

const LOG = (date: string) => `log_data/2018/11/${date}-events.json`;
const COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'sessionid', 'iteminsession', 'ts', 'page', 'level', 'song', 'artist', 'length'];

interface Event {
  session: number;
  item: number;
  at: string;
}
const event = (session: number, item: number, at: string): Event => ({ session, item, at });

// 2018-11-02's log: a play of its own day, one timed a second after its midnight (cross-day), one
// logged twice (a copy: the publish's other path), and an event that 2018-11-03's log holds too.
// 2018-11-03's log: a play of its own day.
const ownDay = event(1, 1, '2018-11-02T10:00:00Z');
const crossDay = event(1, 2, '2018-11-03T00:00:01Z');
const crossDayTwice = event(1, 3, '2018-11-03T00:00:02Z');
const inBothLogs = event(2, 1, '2018-11-03T05:00:00Z');
const nextDay = event(3, 1, '2018-11-03T12:00:00Z');
const LOGS: Record<string, Event[]> = {
  '2018-11-02': [ownDay, crossDay, crossDayTwice, crossDayTwice, inBothLogs],
  '2018-11-03': [nextDay, inBothLogs],
};

let runs = 0;

/** A run over `dates`' logs (as given, or `logs`), staged: its two publishes, which etlRun runs at once. */
async function stagedRun(warehouse: Warehouse, dates: string[], logs: Record<string, Event[]> = LOGS): Promise<{ time(): Promise<void>; songplays(): Promise<void> }> {
  const runId = `crossday-${++runs}`;
  const rows = dates.flatMap((date) =>
    logs[date].map((e, line) => [runId, LOG(date), line + 1, '42', e.session, e.item, Date.parse(e.at), 'NextSong', 'free', 'Song', 'Artist', 200]),
  );
  await attachStagingPartitions(warehouse, runId);
  await warehouse.appendRows('staging_events', COLUMNS, rows);
  await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], dates.map((date) => [runId, 'events', LOG(date), 'etag', 1]));
  const params = { run_id: runId, days: dates, duration_tolerance: 2, key_built_after: false, copies_counted: true };
  const publish = (step: 'loadTime' | 'loadSongplays') => () => warehouse.execute(sqlStatements(publishTransform(step, warehouse.dialect), warehouse.dialect, params));
  return { time: publish('loadTime'), songplays: publish('loadSongplays') };
}

/** One run over `dates`' logs, its publishes one after the other. */
async function run(warehouse: Warehouse, dates: string[], logs: Record<string, Event[]> = LOGS): Promise<void> {
  const { time, songplays } = await stagedRun(warehouse, dates, logs);
  await time();
  await songplays();
}

/** songplays' start times (one per play), and whether time and etl_songplay_names hold exactly its plays. */
async function published(warehouse: Warehouse): Promise<{ plays: string[]; timeMatches: boolean; namesMatch: boolean }> {
  const column = async (table: string) =>
    (await warehouse.query(`SELECT CAST(start_time AS VARCHAR(19)) AS v FROM ${table} ORDER BY start_time`)).map((r) => String(r.v));
  const plays = await column('songplays');
  const times = await column('time');
  const names = await column('etl_songplay_names');
  return { plays, timeMatches: JSON.stringify(times) === JSON.stringify([...new Set(plays)]), namesMatch: JSON.stringify(names) === JSON.stringify(plays) };
}

async function clear(warehouse: Warehouse): Promise<void> {
  await warehouse.execute(['songplays', 'time', 'etl_songplay_names', 'etl_cross_day_plays', 'etl_cross_day_times', 'staging_events', 'etl_run_files'].map((t) => `DELETE FROM ${t}`));
}

/** An event's start_time as the engines print it. */
const startTime = (e: Event) => e.at.slice(0, 19).replace('T', ' ');
const ALL_PLAYS = { plays: [ownDay, crossDay, crossDayTwice, inBothLogs, nextDay].map(startTime), timeMatches: true, namesMatch: true };

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (name) => {
  beforeEach(async () => clear(warehouses[name]));

  test('one run over both dates publishes every play once', async () => {
    await run(warehouses[name], ['2018-11-02', '2018-11-03']);
    expect(await published(warehouses[name])).toEqual(ALL_PLAYS);
  });

  test('the dates run one at a time, in either order and again, end with the same plays', async () => {
    const warehouse = warehouses[name];
    const ends = [];
    for (const order of [['2018-11-02', '2018-11-03'], ['2018-11-03', '2018-11-02'], ['2018-11-03'], ['2018-11-02'], ['2018-11-03']]) {
      for (const date of order) await run(warehouse, [date]);
      ends.push(await published(warehouse));
    }
    expect(ends).toEqual(Array(5).fill(ALL_PLAYS));
  });

  test("neighbouring dates' runs at once (a backfill): their four publishes in every order end with the same plays and times", async () => {
    const warehouse = warehouses[name];
    const ends = [];
    for (const order of permutations([0, 1, 2, 3])) {
      await clear(warehouse);
      const [earlier, later] = [await stagedRun(warehouse, ['2018-11-02']), await stagedRun(warehouse, ['2018-11-03'])];
      const publishes = [earlier.time, earlier.songplays, later.time, later.songplays];
      for (const i of order) await publishes[i]();
      ends.push({ order: order.join(''), ...(await published(warehouse)) });
    }
    expect(ends).toEqual(permutations([0, 1, 2, 3]).map((order) => ({ order: order.join(''), ...ALL_PLAYS })));
  });

  test('a date re-run after a run over both keeps the cross-day play of the other date', async () => {
    await run(warehouses[name], ['2018-11-02', '2018-11-03']);
    await run(warehouses[name], ['2018-11-03']);
    expect(await published(warehouses[name])).toEqual(ALL_PLAYS);
  });

  test('re-running a date whose log lost a cross-day event drops that play, and only it', async () => {
    const warehouse = warehouses[name];
    await run(warehouse, ['2018-11-02']);
    await run(warehouse, ['2018-11-03']);
    await run(warehouse, ['2018-11-02'], { ...LOGS, '2018-11-02': [ownDay, crossDayTwice, crossDayTwice, inBothLogs] });
    const { plays, namesMatch } = await published(warehouse);
    expect({ plays, namesMatch }).toEqual({ plays: [ownDay, crossDayTwice, inBothLogs, nextDay].map(startTime), namesMatch: true });
    const listed = await warehouse.query('SELECT CAST(start_time AS VARCHAR(19)) AS start_time, log_date FROM etl_cross_day_plays ORDER BY start_time');
    expect(listed).toEqual([crossDayTwice, inBothLogs].map((e) => ({ start_time: startTime(e), log_date: '2018-11-02' })));
  });

  test("an event moved to its own day's log stays, whichever of the two logs is re-run last", async () => {
    const warehouse = warehouses[name];
    const moved = { '2018-11-02': [ownDay, crossDayTwice, crossDayTwice, inBothLogs], '2018-11-03': [nextDay, inBothLogs, crossDay] };
    const ends = [];
    for (const order of [['2018-11-03', '2018-11-02'], ['2018-11-02', '2018-11-03']]) {
      await clear(warehouse);
      await run(warehouse, ['2018-11-02']);
      await run(warehouse, ['2018-11-03']);
      for (const date of order) await run(warehouse, [date], moved);
      const listed = await warehouse.query('SELECT CAST(start_time AS VARCHAR(19)) AS start_time, log_date FROM etl_cross_day_plays ORDER BY start_time');
      ends.push({ ...(await published(warehouse)), listed });
    }
    // The event both logs hold is listed under 2018-11-02's log only when that log's run was the last.
    const listed = (events: Event[]) => events.map((e) => ({ start_time: startTime(e), log_date: '2018-11-02' }));
    expect(ends).toEqual([
      { ...ALL_PLAYS, listed: listed([crossDayTwice, inBothLogs]) },
      { ...ALL_PLAYS, listed: listed([crossDayTwice]) },
    ]);
  });
});

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
