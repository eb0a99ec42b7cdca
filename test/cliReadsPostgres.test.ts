/**
 * `sparkify insights` and `sparkify sql` (the built CLI) on a PostgreSQL warehouse: one no load
 * has filled is told as such, not by the engine's missing-table error.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

const BIN = path.resolve(__dirname, '../bin/sparkify.js');

let pg: PgServer;
let warehouse: string;
beforeAll(async () => {
  pg = await startPostgres();
  warehouse = await createTestDatabase(pg.url, 'cli_reads');
});
afterAll(async () => {
  await pg?.stop();
});

function sparkify(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' } });
}

test('insights on a database without the star tables says it has not been loaded yet', () => {
  const r = sparkify(['insights', '--warehouse', warehouse]);
  expect(r.stderr).toBe(
    `sparkify: ${warehouse} has not been loaded yet (no songplays, users, songs, artists, time tables): run a load first: sparkify run --source DIR --warehouse ${warehouse}\n`,
  );
  expect(r.status).toBe(2);
});
