/**
 * A PostgreSQL warehouse that refuses the connection for what the URI says (no such database, a
 * user it does not let in) refuses every retry alike: the run fails at once, naming the warehouse
 * (password hidden) and what to change, instead of createSchema's two minutes of silent retries.
 * A server not listening (one starting) stays a retried failure.
 */
import { createServer } from 'node:net';
import { ConfigError, NON_RETRYABLE_ERROR_TYPES } from '../src/errors';
import { classifyPostgresConnectError } from '../src/warehouse/errors';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

let pg: PgServer;
let url: URL;
beforeAll(async () => {
  pg = await startPostgres();
  url = new URL(await createTestDatabase(pg.url, 'refusals'));
});
afterAll(async () => {
  await pg?.stop();
});

async function queryFailure(uri: string): Promise<Error> {
  const warehouse = new PostgresWarehouse(uri, { connectTimeoutMs: 10_000, statementTimeoutMs: 10_000, keepAliveInitialDelayMs: 10_000 });
  try {
    await warehouse.query('SELECT 1');
    return new Error('the query succeeded');
  } catch (err) {
    return err as Error;
  } finally {
    await warehouse.close();
  }
}

function withChanges(change: (u: URL) => void): string {
  const changed = new URL(url.href);
  change(changed);
  return changed.href;
}

test('a database that does not exist fails non-retryably, naming the warehouse and the fix', async () => {
  const uri = withChanges((u) => {
    u.pathname = '/no_such_db';
    u.password = 'hunter2';
  });
  const err = await queryFailure(uri);
  expect(err).toBeInstanceOf(ConfigError);
  expect(NON_RETRYABLE_ERROR_TYPES).toContain(err.name);
  expect(err.message).toMatch(/^warehouse postgres:\/\/postgres:\*+@[^ ]+\/no_such_db: database "no_such_db" does not exist \(SQLSTATE 3D000\): create the database, or fix its name in the warehouse URI/);
  expect(err.message).not.toContain('hunter2');
});

test('a user the server does not know fails the same way', async () => {
  const uri = withChanges((u) => {
    u.username = 'no_such_user';
    u.password = 'hunter2';
  });
  const err = await queryFailure(uri);
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toMatch(/^warehouse postgres:\/\/no_such_user:\*+@[^ ]+: role "no_such_user" does not exist \(SQLSTATE 28000\): fix the user in the warehouse URI/);
  expect(err.message).not.toContain('hunter2');
});

test('a wrong password (the server says 28P01) is named as such', () => {
  // The throwaway server trusts every local user, so it never asks for a password: pg's error as it comes.
  const refused = Object.assign(new Error('password authentication failed for user "etl"'), { code: '28P01' });
  const err = classifyPostgresConnectError(refused, 'postgres://etl:***@db:5432/sparkify') as Error;
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toBe(
    'warehouse postgres://etl:***@db:5432/sparkify: password authentication failed for user "etl" (SQLSTATE 28P01): fix the user or password in the warehouse URI (--warehouse or SPARKIFY_WAREHOUSE)',
  );
});

test('a server not listening stays retryable', async () => {
  // A port just closed: nothing listens there.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const err = await queryFailure(withChanges((u) => {
    u.hostname = '127.0.0.1';
    u.port = String(port);
  }));
  expect(err).not.toBeInstanceOf(ConfigError);
  expect(NON_RETRYABLE_ERROR_TYPES).not.toContain(err.name);
  expect(err.message).toMatch(/ECONNREFUSED/);
});
