import {
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createS3Client, s3SettingsFromEnv } from '../src/source/s3Client';
import { dropDatabase } from '../src/bench/postgresServer';
import { createTestDatabase, PgServer, startPostgres } from './harness/postgres';
import { S3Server, startS3, uploadDirectory } from './harness/s3';
import { startTestTemporal } from './harness/temporal';
import { isAlive } from './support/processes';

const SAMPLE_DIR = path.resolve(__dirname, '../../shared/data/udacity-sample');

function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function localFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? localFiles(full) : [full];
  });
}

/** Runs fn with SPARKIFY_TEST_PG_URL set to value (or removed when undefined), restoring it afterwards. */
async function withPgUrlEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SPARKIFY_TEST_PG_URL;
  if (value === undefined) delete process.env.SPARKIFY_TEST_PG_URL;
  else process.env.SPARKIFY_TEST_PG_URL = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SPARKIFY_TEST_PG_URL;
    else process.env.SPARKIFY_TEST_PG_URL = saved;
  }
}

describe('s3SettingsFromEnv', () => {
  it('defaults to AWS with the standard credential chain', () => {
    expect(s3SettingsFromEnv({})).toEqual({ region: 'us-east-1', readTimeoutMs: 60_000, connectTimeoutMs: 10_000 });
  });

  it('takes the idle and connect limits in seconds, 0 for none, and names a bad one', () => {
    expect(s3SettingsFromEnv({ SPARKIFY_S3_READ_TIMEOUT: '2.5', SPARKIFY_S3_CONNECT_TIMEOUT: '0' })).toMatchObject({ readTimeoutMs: 2_500, connectTimeoutMs: 0 });
    expect(() => s3SettingsFromEnv({ SPARKIFY_S3_READ_TIMEOUT: 'soon' })).toThrow('SPARKIFY_S3_READ_TIMEOUT: must be 0 or more seconds (got "soon")');
    expect(() => s3SettingsFromEnv({ SPARKIFY_S3_CONNECT_TIMEOUT: '-1' })).toThrow(/SPARKIFY_S3_CONNECT_TIMEOUT/);
  });

  it('uses path-style addressing with a custom endpoint unless told otherwise', () => {
    expect(s3SettingsFromEnv({ SPARKIFY_S3_ENDPOINT: 'http://minio:9000', AWS_DEFAULT_REGION: 'eu-west-1' })).toMatchObject({
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      region: 'eu-west-1',
    });
    expect(
      s3SettingsFromEnv({ SPARKIFY_S3_ENDPOINT: 'http://minio:9000', SPARKIFY_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle,
    ).toBe(false);
    expect(() => s3SettingsFromEnv({ SPARKIFY_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/SPARKIFY_S3_FORCE_PATH_STYLE/);
  });

  it('prefers AWS_REGION and takes static credentials only when both parts are set', () => {
    const halfCredentials = s3SettingsFromEnv({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'k' });
    expect(halfCredentials.region).toBe('us-west-2');
    expect(halfCredentials.accessKeyId).toBeUndefined();
    expect(s3SettingsFromEnv({ AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' })).toMatchObject({
      accessKeyId: 'k',
      secretAccessKey: 's',
    });
  });
});

describe('Temporal harness', () => {
  // Such a worker held the native connection: stop() threw, and the dev server and the worker's
  // native handles kept Jest from exiting.
  it('stop() lets go of a worker created and never run, and stops the server', async () => {
    const temporal = await startTestTemporal();
    const { worker } = await temporal.worker();
    try {
      await temporal.stop();
    } finally {
      // Should the harness not let go, this test does, so that it fails instead of hanging Jest.
      if (worker.getState() === 'INITIALIZED') {
        await worker.runUntil(async () => undefined);
        await temporal.stop();
      }
    }
    expect(worker.getState()).toBe('STOPPED');
    expect(temporal.server.pid === undefined || !isAlive(temporal.server.pid)).toBe(true);
  });
});

describe('PostgreSQL harness', () => {
  it('names the missing binaries and the Debian package', async () => {
    const saved = process.env.SPARKIFY_PG_BIN;
    process.env.SPARKIFY_PG_BIN = '/nonexistent/pg/bin';
    try {
      await withPgUrlEnv(undefined, async () => {
        await expect(startPostgres()).rejects.toThrow(/\/nonexistent\/pg\/bin\/initdb.*postgresql-15/s);
      });
    } finally {
      if (saved === undefined) delete process.env.SPARKIFY_PG_BIN;
      else process.env.SPARKIFY_PG_BIN = saved;
    }
  });

  it('starts a cluster, creates a database, runs queries and COPY, and cleans up on stop', async () => {
    const server = await withPgUrlEnv(undefined, startPostgres);
    let dataDir = '';
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);

      const dbUrl = await createTestDatabase(server.url, 'harness');
      expect(dbUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/harness_[0-9a-f]{12}$/);

      await withClient(dbUrl, async (client) => {
        const db = await client.query<{ db: string; enc: string; collate: string }>(
          `SELECT current_database() AS db, pg_encoding_to_char(encoding) AS enc, datcollate AS collate
             FROM pg_database WHERE datname = current_database()`,
        );
        expect(db.rows[0]).toEqual({ db: path.basename(new URL(dbUrl).pathname), enc: 'UTF8', collate: 'C' });
        dataDir = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0].data_directory;
        const fsync = await client.query<{ fsync: string }>('SHOW fsync');
        expect(fsync.rows[0].fsync).toBe('off');

        await client.query('CREATE TABLE songs (song_id text PRIMARY KEY, title text, duration double precision)');
        const rows = ['S1\tIntro\t10.5\n', 'S2\tTab\\there\t200\n', 'S3\t\\N\t3.25\n'];
        await pipeline(Readable.from(rows), client.query(copyFrom('COPY songs FROM STDIN')));
        const copied = await client.query('SELECT song_id, title, duration FROM songs ORDER BY song_id');
        expect(copied.rows).toEqual([
          { song_id: 'S1', title: 'Intro', duration: 10.5 },
          { song_id: 'S2', title: 'Tab\there', duration: 200 },
          { song_id: 'S3', title: null, duration: 3.25 },
        ]);
      });

      // Each call gets its own database.
      expect(await createTestDatabase(server.url, 'harness')).not.toBe(dbUrl);
      await expect(createTestDatabase(server.url, 'bad-name; DROP')).rejects.toThrow(/prefix/);

      // The bench drops each database once measured, even with a connection still open to it.
      const listed = async () =>
        withClient(server.url, async (client) => (await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname));
      const name = path.basename(new URL(dbUrl).pathname);
      expect(await listed()).toContain(name);
      const open = new Client({ connectionString: dbUrl });
      open.on('error', () => undefined);
      await open.connect();
      try {
        await dropDatabase(server.url, dbUrl);
      } finally {
        await open.end().catch(() => undefined);
      }
      expect(await listed()).not.toContain(name);
    } finally {
      await server.stop();
    }

    expect(dataDir).not.toBe('');
    expect(existsSync(path.dirname(dataDir))).toBe(false);
    expect(await accepts(server.url)).toBe(false);
    await expect(server.stop()).resolves.toBeUndefined();
  });

  it('uses SPARKIFY_TEST_PG_URL instead of starting a cluster, and leaves that server running', async () => {
    const real = await withPgUrlEnv(undefined, startPostgres);
    try {
      const external: PgServer = await withPgUrlEnv(real.url, startPostgres);
      expect(external.url).toBe(real.url);
      await external.stop();
      await withClient(real.url, async (client) => {
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      });
      const dbUrl = await createTestDatabase(external.url, 'override');
      await withClient(dbUrl, async (client) => {
        expect((await client.query('SELECT current_database() AS db')).rows[0].db).toMatch(/^override_/);
      });
    } finally {
      await real.stop();
    }
  });
});

describe('S3 harness', () => {
  let s3: S3Server;

  beforeAll(async () => {
    s3 = await startS3();
  });

  afterAll(async () => {
    await s3?.stop();
  });

  it('serves the SDK through createS3Client', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const fromEnv = createS3Client(
      s3SettingsFromEnv({ SPARKIFY_S3_ENDPOINT: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }),
    );
    try {
      await fromEnv.send(new ListBucketsCommand({}));
    } finally {
      fromEnv.destroy();
    }
  });

  it('uploads the Udacity sample, lists it page by page and serves objects byte for byte', async () => {
    const files = localFiles(SAMPLE_DIR);
    expect(files.filter((f) => f.includes(`${path.sep}log_data${path.sep}`))).toHaveLength(30);
    expect(files.filter((f) => f.includes(`${path.sep}song_data${path.sep}`))).toHaveLength(71);

    expect(await uploadDirectory(s3, SAMPLE_DIR, 'sparkify', 'udacity/')).toBe(101);
    // The bucket already exists the second time round.
    expect(await uploadDirectory(s3, path.join(SAMPLE_DIR, 'log_data'), 'sparkify', 'again/')).toBe(30);

    const client = s3.client();
    const keys: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await client.send(
        new ListObjectsV2Command({ Bucket: 'sparkify', Prefix: 'udacity/', MaxKeys: 7, ContinuationToken: token }),
      );
      pages++;
      expect((page.Contents ?? []).length).toBeLessThanOrEqual(7);
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);

    expect(pages).toBe(Math.ceil(101 / 7));
    expect(keys).toHaveLength(101);
    expect(new Set(keys).size).toBe(101);
    expect(keys.sort()).toEqual(files.map((f) => 'udacity/' + path.relative(SAMPLE_DIR, f).split(path.sep).join('/')).sort());

    const key = 'udacity/log_data/2018/11/2018-11-15-events.json';
    const local = await readFile(path.join(SAMPLE_DIR, 'log_data/2018/11/2018-11-15-events.json'));
    const got = await client.send(new GetObjectCommand({ Bucket: 'sparkify', Key: key }));
    expect(got.Body).toBeInstanceOf(Readable);
    const chunks: Buffer[] = [];
    for await (const chunk of got.Body as Readable) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).equals(local)).toBe(true);

    const head = await client.send(new HeadObjectCommand({ Bucket: 'sparkify', Key: key }));
    expect(head.ETag).toBe(`"${createHash('md5').update(local).digest('hex')}"`);
    expect(head.ContentLength).toBe(local.length);
  });

  it('closes its port on stop', async () => {
    const other = await startS3();
    expect(await accepts(other.endpoint)).toBe(true);
    await other.stop();
    await other.stop();
    expect(await accepts(other.endpoint)).toBe(false);
  });
});
