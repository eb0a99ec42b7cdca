/**
 * `sparkify doctor` on PostgreSQL warns when a table of plays does not lie in start-time order (a
 * publish before 7 December 2026 wrote its plays wrapped around: src/doctor/playTimeOrder.ts), and
 * the commands its fix gives put the table in order.
 */
import { randomUUID } from 'node:crypto';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { checkPlayTimeOrder, PLAY_ORDER_MIN_ROWS } from '../src/doctor/playTimeOrder';
import { silentLogger } from '../src/log';
import { createTestDatabase, usePostgresServer, withPostgresWarehouse } from './harness/postgres';
import { runSparkify } from './support/cli';

const pg = usePostgresServer();

const PLAYS = 150_000;

/** `plays` plays over 30 days, written from the 22nd day on and wrapped around to the first, as such a publish left them. */
function wrappedPlays(plays: number): string {
  return `INSERT INTO songplays (songplay_id, start_time, user_id)
    SELECT md5(i::text), TIMESTAMP '2018-11-01' + ((i + ${Math.round(plays * 0.7)}) % ${plays}) * (INTERVAL '30 days' / ${plays}), 1
    FROM generate_series(0, ${plays - 1}) AS i`;
}

/** A warehouse as a run leaves it (every table, its versions recorded), with `plays` plays wrapped around. */
async function warehouseWithWrappedPlays(plays: number): Promise<string> {
  const uri = await createTestDatabase(pg().url, 'doctor_play_order');
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: uri, defaultSource: '' });
  try {
    await createActivities({ resources, log: silentLogger }).createSchema({ runId: 'run-schema', warehouse: '' });
  } finally {
    await resources.close();
  }
  await withPostgresWarehouse(uri, (warehouse) => warehouse.execute([wrappedPlays(plays), 'ANALYZE songplays']));
  return uri;
}

test('warns about plays wrapped around, with commands that put them in order; fine after them', async () => {
  const uri = await warehouseWithWrappedPlays(PLAYS);
  await withPostgresWarehouse(uri, async (warehouse) => {
    const [wrapped] = await checkPlayTimeOrder(warehouse, 'the warehouse');
    expect(wrapped).toMatchObject({ id: 'warehouse.playTimeOrder', status: 'warning' });
    expect(wrapped.detail).toMatch(/^the warehouse: songplays \(150,000 rows, correlation -0\.\d\d\): their rows do not follow start_time/);
    const commands = /CREATE INDEX songplays_order .*ANALYZE songplays;/.exec(wrapped.fix ?? '')?.[0];
    expect(commands).toBeDefined();

    await warehouse.execute(commands!.split(';').map((s) => s.trim()).filter((s) => s !== ''));
    expect(await checkPlayTimeOrder(warehouse, 'the warehouse')).toEqual([
      { id: 'warehouse.playTimeOrder', title: 'plays in start-time order', status: 'ok', detail: 'the warehouse: songplays (150,000 rows, correlation 1.00)' },
    ]);
  });
}, 240_000);

test('says nothing of a few plays out of order', async () => {
  const uri = await warehouseWithWrappedPlays(PLAY_ORDER_MIN_ROWS / 10);
  expect(await withPostgresWarehouse(uri, (warehouse) => checkPlayTimeOrder(warehouse, 'w'))).toEqual([
    { id: 'warehouse.playTimeOrder', title: 'plays in start-time order', status: 'ok', detail: 'w: fewer than 100,000 plays, or no statistics yet' },
  ]);
}, 240_000);

test('sparkify doctor shows the warning after the warehouse versions, and exits 0', async () => {
  const uri = await warehouseWithWrappedPlays(PLAYS);
  const r = runSparkify(['doctor', '--warehouse', uri], { env: { SPARKIFY_LOG_LEVEL: 'error', SPARKIFY_TASK_QUEUE: `doctor-${randomUUID()}` }, unset: ['TEMPORAL_ADDRESS', 'SPARKIFY_SOURCE'] });
  const lines = r.stdout.split('\n');
  const versions = lines.findIndex((l) => / warehouse schema version: /.test(l));
  const order = lines.findIndex((l) => /^WARNING +plays in start-time order: .*songplays \(150,000 rows, correlation -0\.\d\d\).* — fix: at a quiet time/.test(l));
  expect({ versions: versions >= 0, order: order > versions, stdout: order > versions ? '' : r.stdout }).toEqual({ versions: true, order: true, stdout: '' });
  expect(r.status).toBe(0);
}, 240_000);
