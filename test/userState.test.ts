/**
 * What `users` holds for a user, on every engine (the Redshift emulator runs the Redshift SQL on
 * PostgreSQL): staged events published as the pipeline publishes them, loadUsers' and
 * loadSongplays' transforms for the engine, one run at a time.
 */
import { publishTransform, usersDays } from '../src/activities/publishActivities';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const warehouses = threeWarehousesInFile({ label: 'userstate', schema: SCHEMA_FILES });

const LOG = (date: string) => `log_data/${date.slice(0, 4)}/${date.slice(5, 7)}/${date}-events.json`;
const COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'firstname', 'lastname', 'gender', 'sessionid', 'iteminsession', 'ts', 'page', 'level', 'location', 'useragent', 'song', 'artist', 'length'];

interface Event {
  user?: string;
  at: string;
  item?: number;
  page?: string;
  level?: string;
  first?: string | null;
  last?: string | null;
  gender?: string | null;
  location?: string;
}

const play = (e: Event): Event => ({ page: 'NextSong', ...e });

let runs = 0;

/**
 * One run over `logs` (a date's events each): staged, then its users and songplays publishes.
 * Without lineage, staged as a Redshift COPY of several logs leaves them: no file or line per row.
 */
async function run(warehouse: Warehouse, logs: Record<string, Event[]>, lineage = true): Promise<void> {
  const runId = `userstate-${++runs}`;
  const dates = Object.keys(logs);
  const rows = dates.flatMap((date) =>
    logs[date].map((e, line) => [
      runId, lineage ? LOG(date) : null, lineage ? line + 1 : null, e.user ?? '42', e.first === undefined ? 'Ann' : e.first, e.last === undefined ? 'Lee' : e.last,
      e.gender === undefined ? 'F' : e.gender, 7, e.item ?? 0, Date.parse(e.at), e.page ?? 'Home', e.level ?? 'free',
      e.location ?? 'Reno, NV', 'Agent', e.page === 'NextSong' ? 'Song' : null, e.page === 'NextSong' ? 'Artist' : null, e.page === 'NextSong' ? 201.5 : null,
    ]),
  );
  await attachStagingPartitions(warehouse, runId);
  if (rows.length > 0) await warehouse.appendRows('staging_events', COLUMNS, rows);
  await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], dates.map((date) => [runId, 'events', LOG(date), 'etag', 1]));
  const params = { run_id: runId, ...usersDays(dates), duration_tolerance: 2, key_built_after: false, copies_counted: true };
  for (const step of ['loadUsers', 'loadSongplays'] as const) {
    await warehouse.execute(sqlStatements(publishTransform(step, warehouse.dialect), warehouse.dialect, params));
  }
}

async function clear(warehouse: Warehouse): Promise<void> {
  const tables = ['users', 'songplays', 'etl_user_logs', 'etl_user_log_dates', 'etl_user_state', 'staging_events', 'etl_run_files', 'etl_cross_day_plays', 'etl_songplay_names'];
  await warehouse.execute(tables.map((t) => `DELETE FROM ${t}`));
}

const users = (warehouse: Warehouse) => warehouse.query('SELECT user_id, first_name, last_name, gender, level FROM users ORDER BY user_id');

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (name) => {
  beforeEach(async () => clear(warehouses[name]));

  test("two copies of a user's latest play that differ in level: songplays and users both take paid", async () => {
    const w = warehouses[name];
    // 'Reno, NV': the free copy's md5 (the songplays tie-break after level) is the smaller one.
    const copy = { at: '2018-11-02T10:00:00Z', item: 3, location: 'Reno, NV' };
    await run(w, { '2018-11-02': [play({ ...copy, level: 'free' }), play({ ...copy, level: 'paid' })] });
    expect(await w.query('SELECT user_id, level FROM songplays')).toEqual([{ user_id: 42, level: 'paid' }]);
    expect(await users(w)).toEqual([{ user_id: 42, first_name: 'Ann', last_name: 'Lee', gender: 'F', level: 'paid' }]);
  });

  test("a log corrected at a user's latest event gives users what a clean run over the corrected logs gives", async () => {
    const w = warehouses[name];
    const first = { '2018-11-01': [play({ at: '2018-11-01T10:00:00Z', level: 'free' })] };
    const latest = { at: '2018-11-02T10:00:00Z', item: 3 };
    const corrected = { '2018-11-02': [play({ ...latest, level: 'free', first: 'Bea' })] };
    await run(w, first);
    await run(w, { '2018-11-02': [play({ ...latest, level: 'paid', first: 'Ann' })] });
    await run(w, corrected);
    const rerun = { users: await users(w), plays: await w.query('SELECT level FROM songplays ORDER BY start_time') };
    await clear(w);
    await run(w, corrected);
    await run(w, first);
    expect(rerun).toEqual({ users: await users(w), plays: await w.query('SELECT level FROM songplays ORDER BY start_time') });
    expect(rerun.users).toEqual([{ user_id: 42, first_name: 'Bea', last_name: 'Lee', gender: 'F', level: 'free' }]);
  });

  test("a log that drops a user's latest event rolls users back to the latest event left; one that drops all their plays drops the user", async () => {
    const w = warehouses[name];
    await run(w, { '2018-11-01': [play({ at: '2018-11-01T10:00:00Z', level: 'free' }), play({ user: '43', at: '2018-11-01T11:00:00Z' })] });
    await run(w, { '2018-11-02': [play({ at: '2018-11-02T10:00:00Z', level: 'paid', first: 'Ann' }), play({ user: '43', at: '2018-11-02T11:00:00Z', level: 'paid' })] });
    expect((await users(w)).map((u) => u.level)).toEqual(['paid', 'paid']);
    // 42's latest event is gone from 2018-11-02; 43's plays are gone from both logs.
    await run(w, { '2018-11-02': [{ user: '42', at: '2018-11-01T09:00:00Z', level: 'paid', first: 'Old' }] });
    await run(w, { '2018-11-01': [play({ at: '2018-11-01T10:00:00Z', level: 'free' }), { user: '43', at: '2018-11-01T11:00:00Z' }] });
    expect(await users(w)).toEqual([{ user_id: 42, first_name: 'Ann', last_name: 'Lee', gender: 'F', level: 'free' }]);
  });

  test('names and gender come from the latest event that names the user, in one log or across logs; level from the latest event', async () => {
    const w = warehouses[name];
    const unnamed = { first: null, last: null, gender: null, page: 'Settings' };
    await run(w, { '2018-11-01': [play({ at: '2018-11-01T10:00:00Z', first: 'Ann', last: 'Lee', gender: 'F' }), { ...unnamed, at: '2018-11-01T11:00:00Z', level: 'paid' }] });
    expect(await users(w)).toEqual([{ user_id: 42, first_name: 'Ann', last_name: 'Lee', gender: 'F', level: 'paid' }]);
    await run(w, { '2018-11-02': [{ ...unnamed, at: '2018-11-02T11:00:00Z', level: 'free' }] });
    expect(await users(w)).toEqual([{ user_id: 42, first_name: 'Ann', last_name: 'Lee', gender: 'F', level: 'free' }]);
    await run(w, { '2018-11-03': [{ at: '2018-11-03T08:00:00Z', first: 'Ann', last: 'Ray', gender: 'F', level: 'free' }] });
    expect(await users(w)).toEqual([{ user_id: 42, first_name: 'Ann', last_name: 'Ray', gender: 'F', level: 'free' }]);
  });

  // The users publish ranks each raw userid's latest (named) events in a log, and the variants of an
  // id meet only in that ranking: each pick may come from a different variant, and from events
  // that are not that variant's latest.
  test("variants of one id in one log ('7', ' 7', '07'): level from the latest of all, names from the latest that names, a play from any", async () => {
    const w = warehouses[name];
    const unnamed = { first: null, last: null, gender: null };
    await run(w, {
      '2018-11-01': [
        { user: '7', at: '2018-11-01T09:00:00Z', first: 'Ann', last: 'Lee', gender: 'F', level: 'free' },
        { ...unnamed, user: '7', at: '2018-11-01T12:00:00Z', level: 'paid' },
        play({ user: ' 7', at: '2018-11-01T08:00:00Z', first: 'Bea', last: 'Ray', gender: 'F', level: 'free' }),
        { user: ' 7', at: '2018-11-01T10:00:00Z', first: 'Cy', last: 'Poe', gender: 'M', level: 'free' },
        { ...unnamed, user: ' 7', at: '2018-11-01T11:00:00Z', level: 'free' },
        { ...unnamed, user: '07', at: '2018-11-01T12:00:00Z', item: 1, level: 'free' },
      ],
    });
    expect(await users(w)).toEqual([{ user_id: 7, first_name: 'Cy', last_name: 'Poe', gender: 'M', level: 'free' }]);
    const [contribution] = await w.query('SELECT user_id, last_ts, last_item, name_ts, has_play FROM etl_user_logs');
    expect(contribution).toEqual({ user_id: 7, last_ts: Date.parse('2018-11-01T12:00:00Z'), last_item: 1, name_ts: Date.parse('2018-11-01T10:00:00Z'), has_play: 1 });
  });

  test('one run over several logs (on Redshift also without the file of each event) gives what runs of one log at a time give', async () => {
    const w = warehouses[name];
    const logs = {
      '2018-11-01': [play({ at: '2018-11-01T10:00:00Z', level: 'free' }), play({ user: '43', at: '2018-11-01T11:00:00Z', first: 'Cy' })],
      '2018-11-02': [play({ at: '2018-11-02T10:00:00Z', level: 'paid', first: 'Ann' }), { user: '43', at: '2018-11-02T11:00:00Z', level: 'paid', first: 'Cy' }],
    };
    await run(w, { '2018-11-01': logs['2018-11-01'] });
    await run(w, { '2018-11-02': logs['2018-11-02'] });
    const oneAtATime = await users(w);
    // Only a Redshift COPY stages rows without their file.
    for (const lineage of name === 'redshift' ? [true, false] : [true]) {
      await clear(w);
      await run(w, logs, lineage);
      expect({ lineage, users: await users(w) }).toEqual({ lineage, users: oneAtATime });
      // The second log corrected on its own afterwards: 42's paid play gone.
      await run(w, { '2018-11-02': [] });
      expect({ lineage, users: (await users(w)).map((u) => u.level) }).toEqual({ lineage, users: ['free', 'free'] });
    }
  });

  test('a warehouse upgraded from schema version 1 keeps each user until every log it loaded is re-run, then holds what runs over all logs give', async () => {
    const w = warehouses[name];
    // As schema version 1 left it: users and etl_user_state from the logs of 2018-11-01 and 2018-11-02.
    await w.execute([
      "INSERT INTO users (user_id, first_name, last_name, gender, level) VALUES (42, 'Ann', 'Lee', 'F', 'paid'), (43, 'Cy', 'Orr', 'M', 'free')",
      'INSERT INTO etl_user_state (user_id, last_ts, last_item, level, first_name, last_name, gender) VALUES ' +
        `(42, ${Date.parse('2018-11-02T10:00:00Z')}, 0, 'paid', 'Ann', 'Lee', 'F'), (43, ${Date.parse('2018-11-01T11:00:00Z')}, 0, 'free', 'Cy', 'Orr', 'M')`,
      ...['2018-11-01', '2018-11-02'].map((date) => `INSERT INTO etl_run_files (run_id, kind, source_key) VALUES ('old', 'events', '${LOG(date)}')`),
    ]);
    const before = await users(w);
    // 2018-11-02 re-run without 42's paid play: 2018-11-01 (not re-run yet) may hold a later one.
    const day1 = { '2018-11-01': [play({ at: '2018-11-01T10:00:00Z', level: 'free' }), play({ user: '43', first: 'Cy', last: 'Orr', gender: 'M', at: '2018-11-01T11:00:00Z' })] };
    const day2 = { '2018-11-02': [{ user: '42', at: '2018-11-01T09:00:00Z', level: 'paid' }] };
    await run(w, day2);
    expect(await users(w)).toEqual(before);
    expect(Number((await w.query('SELECT COUNT(*) AS n FROM etl_user_state'))[0].n)).toBe(2);
    // Every log it loaded re-run: the state kept before goes, and users is a clean run's.
    await run(w, day1);
    expect(Number((await w.query('SELECT COUNT(*) AS n FROM etl_user_state'))[0].n)).toBe(0);
    const upgraded = await users(w);
    await clear(w);
    await run(w, day1);
    await run(w, day2);
    expect(upgraded).toEqual(await users(w));
    expect(upgraded.map((u) => u.level)).toEqual(['free', 'free']);
  });
});
