/**
 * songplays and users read the same events: a play's user and level are those users has for the
 * event, on every engine. An event's copies (the same event in two logs, or written twice in one)
 * are one play of the user users counts them for, with the level users takes from them. The
 * publishes run as the pipeline runs them: loadUsers', loadTime's and loadSongplays' transforms, for
 * the engine (DuckDB's own songplays file included).
 */
import { createHash } from 'node:crypto';
import { publishTransform, usersDays } from '../src/activities/publishActivities';
import { SCHEMA_FILES } from '../src/activities/stagingActivities';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const warehouses = threeWarehousesInFile({ label: 'agree', schema: SCHEMA_FILES });

const LOG = (date: string) => `log_data/2018/11/${date}-events.json`;
const COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'sessionid', 'iteminsession', 'ts', 'page', 'level', 'firstname', 'lastname', 'gender', 'song', 'artist', 'length'];

interface Event {
  userId: string;
  level: 'free' | 'paid';
  session?: number;
  item?: number;
  at?: string;
}

/** The event the tests copy: session 4, item 2, at 2018-11-02T10:00:00Z. */
const AT = '2018-11-02T10:00:00Z';
const TS = Date.parse(AT);

let runs = 0;

/** One run over the logs given (date → events), staged and published as etlRun publishes. */
async function run(warehouse: Warehouse, logs: Record<string, Event[]>): Promise<void> {
  const runId = `agree-${++runs}`;
  const dates = Object.keys(logs).sort();
  const rows = dates.flatMap((date) =>
    logs[date].map((e, line) => [
      runId, LOG(date), line + 1, e.userId, e.session ?? 4, e.item ?? 2, Date.parse(e.at ?? AT), 'NextSong', e.level,
      'Ann', 'Lee', 'F', 'Song', 'Artist', 200,
    ]),
  );
  await attachStagingPartitions(warehouse, runId);
  await warehouse.appendRows('staging_events', COLUMNS, rows);
  await warehouse.appendRows('etl_run_files', ['run_id', 'kind', 'source_key', 'etag', 'size'], dates.map((date) => [runId, 'events', LOG(date), 'etag', 1]));
  const params = { run_id: runId, ...usersDays(dates), duration_tolerance: 2, key_built_after: false, copies_counted: true };
  for (const step of ['loadUsers', 'loadTime', 'loadSongplays'] as const) {
    await warehouse.execute(sqlStatements(publishTransform(step, warehouse.dialect), warehouse.dialect, params));
  }
}

async function published(warehouse: Warehouse): Promise<{ plays: unknown[]; users: unknown[] }> {
  return {
    plays: await warehouse.query('SELECT songplay_id, user_id, level FROM songplays ORDER BY songplay_id'),
    users: await warehouse.query('SELECT user_id, level FROM users ORDER BY user_id'),
  };
}

async function clear(warehouse: Warehouse): Promise<void> {
  const tables = ['songplays', 'users', 'time', 'etl_songplay_names', 'etl_cross_day_plays', 'etl_cross_day_times', 'etl_user_logs', 'etl_user_log_dates', 'staging_events', 'etl_run_files'];
  await warehouse.execute(tables.map((t) => `DELETE FROM ${t}`));
}

/** The id of user 7's play of the event: md5 of user|session|item|ts, the user as the whole number. */
const PLAY_ID = createHash('md5').update(`7|4|2|${TS}`).digest('hex');

describe.each(['duckdb', 'postgres', 'redshift'])('%s', (name) => {
  beforeEach(async () => clear(warehouses[name]));

  test("an event whose copies write userId '007', '7' and ' 7' is one play of user 7, the 'paid' copy", async () => {
    const warehouse = warehouses[name];
    await run(warehouse, {
      '2018-11-02': [{ userId: '007', level: 'paid' }, { userId: ' 7', level: 'free' }],
      '2018-11-03': [{ userId: '7', level: 'free' }],
    });
    expect(await published(warehouse)).toEqual({
      plays: [{ songplay_id: PLAY_ID, user_id: 7, level: 'paid' }],
      users: [{ user_id: 7, level: 'paid' }],
    });
  });

  test("a zero-padded userId alone hashes as its whole number: the play's id does not depend on how a log writes the user", async () => {
    const warehouse = warehouses[name];
    await run(warehouse, { '2018-11-02': [{ userId: '007', level: 'free' }] });
    expect(await published(warehouse)).toEqual({
      plays: [{ songplay_id: PLAY_ID, user_id: 7, level: 'free' }],
      users: [{ user_id: 7, level: 'free' }],
    });
  });
});
