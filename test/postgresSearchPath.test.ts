/**
 * A PostgreSQL database whose search_path names no schema that exists: every run failed with
 * "no schema has been selected to create in" (SQLSTATE 3F000) and nothing more, while `sparkify
 * doctor` said the warehouse was fine. Now doctor names the search_path and the fix, and the run's
 * first step fails at once (not retried) saying the same.
 */
import { Client } from 'pg';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { redactUri } from '../src/config';
import { checkPostgres } from '../src/doctor/local';
import { ERROR_TYPES } from '../src/errors';
import { silentLogger } from '../src/log';
import { SAMPLE_DIR } from './harness/temporal';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';

let server: PgServer;
let url: string;
let database: string;

beforeAll(async () => {
  server = await startPostgres();
  url = await createTestDatabase(server.url, 'search_path');
  database = new URL(url).pathname.slice(1);
  await admin(`ALTER DATABASE "${database}" SET search_path = missing_schema`);
});
afterAll(async () => {
  await server?.stop();
});

async function admin(sql: string, on = server.url): Promise<void> {
  const client = new Client({ connectionString: on });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const createSchema = () => {
  const activities = createActivities({ resources: new Resources({ s3: {}, log: silentLogger, defaultWarehouse: url, defaultSource: SAMPLE_DIR }), log: silentLogger });
  return activities.createSchema({ warehouse: '' });
};

const problem = 'no schema of the search_path (missing_schema) exists, so a run cannot create its tables ("no schema has been selected to create in", SQLSTATE 3F000)';
const fix = () => `create the schema (CREATE SCHEMA missing_schema), or set the search_path to a schema that exists: ALTER DATABASE "${database}" SET search_path = public`;

test('doctor names the search_path that names no schema, and the fix', async () => {
  const check = await checkPostgres(url);
  expect(check).toMatchObject({ status: 'problem', title: 'PostgreSQL schema for the tables', detail: `${redactUri(url)}: ${problem}` });
  expect(check.fix).toContain(fix());
});

test("the run's first step fails at once, naming the search_path and the fix", async () => {
  const failure = await createSchema().catch((err: Error) => err);
  expect(failure).toMatchObject({ name: ERROR_TYPES.config });
  expect((failure as Error).message).toContain(`warehouse ${redactUri(url)}: ${problem}: ${fix()}`);
});

test('with the schema created, doctor is content and the run creates its tables there', async () => {
  await admin('CREATE SCHEMA missing_schema', url);
  expect(await checkPostgres(url)).toMatchObject({ status: 'ok', title: 'PostgreSQL reachable' });
  await createSchema();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    expect((await client.query("SELECT to_regclass('missing_schema.songplays') IS NOT NULL AS there")).rows).toEqual([{ there: true }]);
  } finally {
    await client.end();
  }
});
