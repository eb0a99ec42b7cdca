/**
 * What `users` holds for a user, on every engine (the Redshift emulator runs the Redshift SQL on
 * PostgreSQL): staged events published as the pipeline publishes them, loadUsers' and
 * loadSongplays' transforms for the engine, one run at a time.
 */
import { publishTransform } from '../src/activities/publishActivities';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';

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

/** One run over `logs` (a date's events each): staged, then its users and songplays publishes. */
async function run(warehouse: Warehouse, logs: Record<string, Event[]>): Promise<void> {
  const runId = `userstate-${++runs}`;
  const dates = Object.keys(logs);
  const rows = dates.flatMap((date) =>
    logs[date].map((e, line) => [
      runId, LOG(date), line + 1, e.user ?? '42', e.first === undefined ? 'Ann' : e.first, e.last === undefined ? 'Lee' : e.last,
      e.gender === undefined ? 'F' : e.gender, 7, e.item ?? 0, Date.parse(e.at), e.page ?? 'Home', e.level ?? 'free',
      e.location ?? 'Reno, NV', 'Agent', e.page === 'NextSong' ? 'Song' : null, e.page === 'NextSong' ? 'Artist' : null, e.page === 'NextSong' ? 201.5 : null,
    ]),
  );
  if (rows.length > 0) await warehouse.appendRows('staging_events', COLUMNS, rows);
  await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], dates.map((date) => [runId, 'events', LOG(date), 'etag', 1]));
  const params = { run_id: runId, days: dates, duration_tolerance: 2 };
  for (const step of ['loadUsers', 'loadSongplays'] as const) {
    await warehouse.execute(sqlStatements(publishTransform(step, warehouse.dialect), warehouse.dialect, params));
  }
}

async function clear(warehouse: Warehouse): Promise<void> {
  const tables = ['users', 'songplays', 'etl_user_state', 'staging_events', 'etl_run_files', 'etl_cross_day_plays', 'etl_songplay_names'];
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
});
