/**
 * An embedded `sparkify run` (no --temporal) stopped by Ctrl-C mid-run stopped its in-memory server
 * with the run in it: the run recorded nothing, and no later server knows it, so its staging rows
 * stayed until deleted by hand. Now stopping cancels the run first, and its workflow records its
 * failure (etl_failed_runs) before the server stops. On PostgreSQL, the run held in its events
 * staging by a lock the test takes on staging_events; the CLI in a child process (bin/sparkify.js).
 */
import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { sqlStatements } from '../src/warehouse/sql';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR } from './harness/temporal';
import { SPARKIFY_BIN } from './support/cli';
import { pollUntil } from './support/poll';

let pg: PgServer;
const clients: Client[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await pg?.stop();
});

test('Ctrl-C of an embedded run mid-staging records the run failed before the command exits', async () => {
  const uri = await createTestDatabase(pg.url, 'embedded_stop');
  const locker = new Client({ connectionString: uri });
  clients.push(locker);
  await locker.connect();
  // The table exists before the run (its CREATE TABLE IF NOT EXISTS then takes no conflicting
  // lock); EXCLUSIVE lets readers through and blocks every write: events staging waits on it.
  for (const statement of sqlStatements('schema/staging_events', 'postgres')) await locker.query(statement);
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE staging_events IN EXCLUSIVE MODE');

  const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'error' };
  for (const name of ['TEMPORAL_ADDRESS', 'SPARKIFY_WAREHOUSE', 'SPARKIFY_SOURCE']) delete env[name];
  const child = spawn(process.execPath, [SPARKIFY_BIN, 'run', '--source', SAMPLE_DIR, '--warehouse', uri, '--date', '2018-11-01'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await pollUntil(
      'the run to wait on the staging_events lock',
      async () => {
        await locker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await locker.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'");
        return rows.length > 0 ? true : undefined;
      },
      { lastSeen: () => stderr },
    );
    child.kill('SIGINT');
    // Once it is stopping, the staging may go on: before this, stopping waited for the held step to
    // end, and the server went with the run, recorded or not.
    await pollUntil('the command to start stopping', async () => (stderr.includes('SIGINT: stopping') ? true : undefined), { lastSeen: () => stderr });
    await locker.query('COMMIT');
    expect(await exited).toBe(130);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await locker.query('ROLLBACK').catch(() => undefined);
  }
  const { rows } = await locker.query('SELECT COUNT(*)::int AS n FROM etl_failed_runs');
  expect(rows).toEqual([{ n: 1 }]);
  expect(stderr).toContain('so that it records its failure before the embedded server stops');
}, 240_000);
