/**
 * A PostgreSQL database that does not keep text as UTF-8. Under SQL_ASCII a run completed and
 * diverged from the other engines (LENGTH counts bytes: transform/artists picked "Sigur Ross" over
 * "Sigur Rós"); under LATIN1 createSchema failed on the "…" in sql/schema/time.sql; the doctor
 * said "No problems found" for both. Now createSchema refuses the database before it writes
 * anything, naming it, its encoding and the fix, and the doctor's warehouse check fails the same way.
 */
import { Client } from 'pg';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { redactUri } from '../src/config';
import { checkPostgres } from '../src/doctor/local';
import { ConfigError } from '../src/errors';
import { silentLogger } from '../src/log';
import { startPostgres, type PgServer } from './harness/postgres';

let pg: PgServer;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

async function onServer<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new database in `encoding` (LC_COLLATE/LC_CTYPE C take any), and its URL. */
async function databaseIn(encoding: string): Promise<{ name: string; url: string }> {
  const name = `encoding_${encoding.toLowerCase()}_${process.pid}`;
  await onServer(pg.url, (c) => c.query(`CREATE DATABASE ${name} ENCODING '${encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`));
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

const tablesIn = (url: string) =>
  onServer(url, async (c) => Number((await c.query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows[0].n));

describe.each(['SQL_ASCII', 'LATIN1'])('a %s database', (encoding) => {
  let database: { name: string; url: string };
  beforeAll(async () => {
    database = await databaseIn(encoding);
  });

  const problem = () => `database ${database.name} has encoding ${encoding}, and the warehouse needs UTF8 (its text would be counted, compared or refused otherwise)`;
  const fix = () => `create a UTF8 database (CREATE DATABASE ${database.name}_utf8 ENCODING 'UTF8' TEMPLATE template0) and give --warehouse its URI`;

  test('createSchema refuses it, naming the database, its encoding and the fix, and creates no table', async () => {
    const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: database.url });
    try {
      const err = await createActivities({ resources, log: silentLogger }).createSchema({ warehouse: '' }).then(() => new Error('createSchema completed'), (e: Error) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toBe(`warehouse ${redactUri(database.url)}: ${problem()}: ${fix()}`);
    } finally {
      await resources.close();
    }
    expect(await tablesIn(database.url)).toBe(0);
  });

  test('the doctor fails the warehouse check the same way', async () => {
    expect(await checkPostgres(database.url)).toMatchObject({
      status: 'problem',
      title: 'PostgreSQL database encoding is UTF8',
      detail: `${redactUri(database.url)}: ${problem()}`,
      fix: fix(),
    });
  });
});

test('a UTF8 database passes both', async () => {
  const database = await databaseIn('UTF8');
  const resources = new Resources({ s3: {}, log: silentLogger, defaultWarehouse: database.url });
  try {
    await createActivities({ resources, log: silentLogger }).createSchema({ warehouse: '' });
  } finally {
    await resources.close();
  }
  expect(await tablesIn(database.url)).toBeGreaterThan(0);
  expect(await checkPostgres(database.url)).toMatchObject({ status: 'ok', title: 'PostgreSQL reachable' });
});
