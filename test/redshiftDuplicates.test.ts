/**
 * Which copy of a duplicated event songplays keeps (sql/transform/songplays.sql) depends only on
 * the copies' content: the same on DuckDB, PostgreSQL and Redshift, whatever order or file the
 * copies were staged in (on Redshift, COPY-staged rows carry no file or line at all).
 */
import { publishTransform } from '../src/activities/publishActivities';
import { sqlStatements } from '../src/warehouse/sql';
import type { Warehouse } from '../src/warehouse/types';
import { threeWarehousesInFile } from './support/threeWarehouses';
import { attachStagingPartitions } from './support/stagingPartitions';

const SCHEMA = ['staging_events', 'staging_songs', 'songplays', 'users', 'songs', 'artists', 'time', 'etl_tables', 'etl_play_names', 'etl_cross_day_plays'];
const COLUMNS = ['run_id', 'source_key', 'source_line', 'userid', 'sessionid', 'iteminsession', 'ts', 'page', 'level', 'location', 'useragent', 'song', 'artist', 'length'];

/** One event, three copies that differ in level, location and user agent. */
const copies = [
  ['free', 'Portland, OR', 'Agent A', 201.5],
  ['paid', 'Austin, TX', 'Agent B', 201.5],
  ['free', 'Boston, MA', 'Agent C', 199.25],
];

function stagingRows(runId: string, order: number[], withLineage: boolean): (string | number | null)[][] {
  return order.map((i, n) => {
    const [level, location, agent, length] = copies[i];
    return [runId, withLineage ? `log_data/2018/11/2018-11-0${n + 1}-events.json` : null, withLineage ? 1 : null, '42', 7, 3, 1541106106796, 'NextSong', level, location, agent, 'Song', 'Artist', length];
  });
}

async function keptCopy(warehouse: Warehouse, runId: string, order: number[], withLineage: boolean): Promise<unknown> {
  await attachStagingPartitions(warehouse, runId);
  await warehouse.appendRows('staging_events', COLUMNS, stagingRows(runId, order, withLineage));
  await warehouse.execute(sqlStatements('transform/songplays', warehouse.dialect, { run_id: runId, duration_tolerance: 2, days: null, key_built_after: false, copies_counted: true }));
  const rows = await warehouse.query(`SELECT level, location, user_agent FROM songplays WHERE session_id = 7`);
  expect(rows).toHaveLength(1);
  await warehouse.execute('DELETE FROM songplays');
  return rows[0];
}

const warehouses = threeWarehousesInFile({ label: 'dups', schema: SCHEMA });

test('every engine keeps the same copy of a duplicated event, whatever the staging order or lineage', async () => {
  const kept: unknown[] = [];
  const orders = [
    [0, 1, 2],
    [2, 1, 0],
    [1, 2, 0],
  ];
  for (const [name, warehouse] of Object.entries(warehouses)) {
    for (const [n, order] of orders.entries()) {
      for (const withLineage of [true, false]) {
        kept.push(await keptCopy(warehouse, `${name}-${n}-${withLineage}`, order, withLineage));
      }
    }
  }
  expect(kept).toHaveLength(18);
  expect(new Set(kept.map((k) => JSON.stringify(k))).size).toBe(1);
});

test("a duplicated event whose length is past a BIGINT's milliseconds publishes one play, the same copy on every engine", async () => {
  const kept: unknown[] = [];
  const huge = [
    ['free', 'Portland, OR', 'Agent A', 1e300],
    ['paid', 'Austin, TX', 'Agent B', -2e300],
    ['free', 'Boston, MA', 'Agent C', 9.3e15],
  ];
  for (const [name, warehouse] of Object.entries(warehouses)) {
    const runId = `${name}-huge`;
    const rows = huge.map(([level, location, agent, length], n) => [runId, `log_data/2018/11/2018-11-0${n + 1}-events.json`, 1, '42', 8, 3, 1541106106796, 'NextSong', level, location, agent, 'Song', 'Artist', length]);
    await attachStagingPartitions(warehouse, runId);
    await warehouse.appendRows('staging_events', COLUMNS, rows);
    await warehouse.execute(sqlStatements(publishTransform('loadSongplays', warehouse.dialect), warehouse.dialect, { run_id: runId, duration_tolerance: 2, days: null, key_built_after: false, copies_counted: true }));
    const plays = await warehouse.query('SELECT level, location, user_agent FROM songplays WHERE session_id = 8');
    expect(plays).toHaveLength(1);
    kept.push(plays[0]);
    await warehouse.execute('DELETE FROM songplays');
  }
  expect(new Set(kept.map((k) => JSON.stringify(k))).size).toBe(1);
});
