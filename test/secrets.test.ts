import { Client, Connection } from '@temporalio/client';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { parseSourceUri, parseWarehouseUri, redactUri } from '../src/config';
import { SPARKIFY_SEARCH_ATTRIBUTES } from '../src/etl/searchAttributes';
import { workflowIdFor } from '../src/etl/workflowIds';
import { startDevServer, type DevServer } from '../src/temporal/devServer';
import { freePort } from '../src/util/ports';
import { PostgresWarehouse } from '../src/warehouse/postgres';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { SAMPLE_DIR } from './harness/temporal';
import { createLogger } from '../src/log';
import { SPARKIFY_BIN as BIN } from './support/cli';

describe('redactUri hides every password, however the URI is written', () => {
  test.each([
    ['postgres://etl:hunter2@db:5432/sparkify', 'postgres://etl:***@db:5432/sparkify'],
    ['postgres://etl:p@ss@db:5432/sparkify', 'postgres://etl:***@db:5432/sparkify'],
    ['postgres://etl:pa/ss@db/sparkify', 'postgres://etl:***@db/sparkify'],
    ['postgres://etl:p?ss#w@db/sparkify', 'postgres://etl:***@db/sparkify'],
    ['postgres://:hunter2@db/sparkify', 'postgres://:***@db/sparkify'],
    ['postgresql://etl@db/sparkify?password=hunter2&sslmode=require', 'postgresql://etl@db/sparkify?password=***&sslmode=require'],
    ['postgres://db/sparkify?sslmode=require&PassWord=hunter2', 'postgres://db/sparkify?sslmode=require&PassWord=***'],
    ['postgres://db/sparkify?sslpassword=hunter2&application_name=a@b', 'postgres://db/sparkify?sslpassword=***&application_name=a@b'],
    ['postgres://etl:pw%40x@db/sparkify?application_name=x@y', 'postgres://etl:***@db/sparkify?application_name=x@y'],
    ['s3://bucket/key?X-Amz-Signature=abc&X-Amz-Security-Token=tok', 's3://bucket/key?X-Amz-Signature=***&X-Amz-Security-Token=***'],
  ])('%s', (uri, redacted) => {
    expect(redactUri(uri)).toBe(redacted);
    expect(redactUri(redactUri(uri))).toBe(redacted);
  });

  test.each(['postgres://etl@db:5432/sparkify', 'postgres://db/sparkify', 'duckdb:/data/w.duckdb', '/data/raw', 's3://bucket/prefix/', 'redshift-data://workgroup/wg/dev?region=eu-west-1',
    'redshift-data://cluster/c/dev?secretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:etl'])(
    '%s has nothing to hide and is unchanged',
    (uri) => expect(redactUri(uri)).toBe(uri),
  );
});

describe('the logger redacts secrets it is handed', () => {
  test('passwords, AWS keys, session tokens and URIs with passwords never reach the log', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => lines.push(line) } });
    log.info({ password: 'pw-1', s3: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'aws-secret-2', sessionToken: 'aws-token-3' } }, 'settings');
    log.info({ worker: { settings: { s3: { secretAccessKey: 'aws-secret-4' } } } }, 'nested');
    log.warn({ url: 'postgres://etl:pw-5@db/x', warehouse: 'postgres://etl@db/x?password=pw-6', other: { uri: 'postgres://:pw-7@db/x' } }, 'uris');
    const text = lines.join('');
    for (const secret of ['pw-1', 'aws-secret-2', 'aws-token-3', 'aws-secret-4', 'pw-5', 'pw-6', 'pw-7']) expect(text).not.toContain(secret);
    // What is not secret stays readable.
    expect(text).toContain('AKIAFAKE');
    expect(text).toContain('postgres://etl:***@db/x');
    expect(text).toContain('postgres://etl@db/x?password=***');
  });
});

/**
 * A run configured with fake secrets, as an operator runs it: `sparkify worker` and `sparkify run`
 * as child processes against a real Temporal server and PostgreSQL, with a warehouse password
 * (holding '@' and '/'), an AWS secret key and a session token. None of them may appear anywhere a
 * run leaves text: logs (at debug level), errors, workflow history, search attributes, the run
 * summary, the ledger and the other etl_ tables, or the HTML report.
 */
describe('a run with fake secrets leaves none of them behind', () => {
  const PASSWORD = 'S3cretPW@/x';
  const AWS_SECRET = 'FakeAwsSecretKey0123456789';
  const SESSION_TOKEN = 'FakeSessionToken0123456789';
  // A Slack-style incoming webhook: the path is the credential.
  const WEBHOOK_SECRET = 'FakeWebhookSecret0123456789';
  const secretsIn = (text: string) => [/S3cretPW/, /FakeAwsSecretKey/, /FakeSessionToken/, /FakeWebhookSecret/].filter((p) => p.test(text)).map(String);

  let server: DevServer;
  let pg: PgServer;
  let client: Client;
  let tmp: string;
  let worker: ChildProcess | undefined;
  let workerLog = '';
  let webhook: http.Server;
  const alerts: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    [server, pg] = await Promise.all([startDevServer({ searchAttributes: { ...SPARKIFY_SEARCH_ATTRIBUTES } }), startPostgres()]);
    client = new Client({ connection: await Connection.connect({ address: server.address }), namespace: server.namespace });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-secrets-'));
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url?.endsWith(WEBHOOK_SECRET)) alerts.push(body);
        res.writeHead(req.url?.endsWith(WEBHOOK_SECRET) ? 200 : 404).end(`no hook at ${req.url}`);
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker!.once('exit', r));
    }
    await new Promise((r) => webhook?.close(r));
    await client?.connection.close();
    await server?.stop();
    await pg?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('logs, errors, history, search attributes, summary, tables and report hold no secret', async () => {
    const dbUrl = new URL(await createTestDatabase(pg.url, 'secrets'));
    const admin = new PgClient({ connectionString: pg.url });
    await admin.connect();
    await admin.query(`CREATE ROLE etl_secret LOGIN SUPERUSER PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
    await admin.end();
    // The password as libpq's query parameter, which a naive redaction of user:password@ misses.
    dbUrl.username = 'etl_secret';
    dbUrl.searchParams.set('password', PASSWORD);
    const warehouse = dbUrl.toString();
    expect(warehouse).toContain('S3cretPW');
    const taskQueue = `secrets-${randomUUID()}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      SPARKIFY_TASK_QUEUE: taskQueue,
      SPARKIFY_LOG_LEVEL: 'debug',
      AWS_ACCESS_KEY_ID: 'AKIAFAKEKEYID',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      SPARKIFY_ALLOWED_WAREHOUSES: warehouse,
    };
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as { port: number }).port}/services/T0FAKE/B0FAKE/${WEBHOOK_SECRET}`;
    // The worker knows the webhook from its environment; the run names it with --notify-url.
    worker = spawn(process.execPath, [BIN, 'worker', '--warehouse', warehouse, '--source', SAMPLE_DIR], {
      cwd: tmp,
      env: { ...env, SPARKIFY_NOTIFY_URL: webhookUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        workerLog += chunk.toString();
        if (workerLog.includes('worker running')) resolve();
      };
      worker!.stdout!.on('data', onData);
      worker!.stderr!.on('data', onData);
      worker!.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it ran:\n${workerLog}`)));
    });
    await ready;

    const reports = path.join(tmp, 'reports');
    // Not spawnSync: the webhook answers from this process, which must keep running meanwhile.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [BIN, 'run', '--source', SAMPLE_DIR, '--warehouse', warehouse, '--date', '2018-11-01', '--report-to', reports, '--json', '--notify-url', webhookUrl, '--notify-on', 'always'],
        { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { warehouse: string; report: string };
    expect(summary.warehouse).toMatch(/etl_secret@.*\?password=\*\*\*$/);

    // A run the worker refuses (a database outside its allow-list, with another password) fails with an error that names it without its password.
    const other = new URL(warehouse);
    other.searchParams.set('password', 'S3cretPWother');
    other.pathname = '/not_allowed';
    // The webhook took the run's alert (so the searches below look where the URL went).
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0])).toMatchObject({ outcome: expect.stringMatching(/^(completed|warning)$/), dates: '2018-11-01' });

    // The refused run alerts too, to a webhook path that answers 404: the error must not quote the URL.
    const refused = spawnSync(process.execPath, [BIN, 'run', '--source', SAMPLE_DIR, '--warehouse', other.toString(), '--date', '2018-11-02', '--notify-url', `${webhookUrl}/wrong`], {
      cwd: tmp,
      env,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/etl_secret@.*\/not_allowed\?password=\*\*\* is not one this worker serves/);

    const places: Record<string, string> = {
      'worker log': workerLog,
      'run output': run.stdout + run.stderr,
      'refused run output': refused.stdout + refused.stderr,
    };
    for (const date of ['2018-11-01', '2018-11-02']) {
      const handle = client.workflow.getHandle(workflowIdFor({ from: date, to: date }));
      // Payloads come as bytes or base64 text: decode them, so what they say is searched.
      const asText = (value: unknown) =>
        JSON.stringify(value, (k, v: unknown) =>
          v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : k === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v,
        );
      places[`history of ${date}`] = asText(await handle.fetchHistory());
      const description = await handle.describe();
      places[`search attributes of ${date}`] = asText(description.raw.workflowExecutionInfo?.searchAttributes);
      places[`memo of ${date}`] = asText(description.memo ?? null);
    }
    // The history and search attributes do hold the warehouse, redacted (so the search is not vacuous).
    expect(places['history of 2018-11-01'].includes('?password=***')).toBe(true);
    expect(places['search attributes of 2018-11-01'].includes('?password=***')).toBe(true);
    expect(places['history of 2018-11-02'].includes('is not one this worker serves')).toBe(true);
    // … and the webhook, by reference (the worker resolved the first; it knows no URL for the second).
    expect(places['history of 2018-11-01']).toMatch(/http:\/\/127\.0\.0\.1:\d+\/…#sha256=[0-9a-f]{16}/);
    expect(places['history of 2018-11-02']).toMatch(/alert destination http:\/\/127\.0\.0\.1:\d+\/…#sha256=[0-9a-f]{16} is not a webhook this worker knows/);
    const w = new PostgresWarehouse(warehouse);
    try {
      for (const table of ['etl_runs', 'etl_run_files', 'etl_load_ledger', 'etl_rejected_records', 'etl_quality_results']) {
        places[`table ${table}`] = JSON.stringify(await w.query(`SELECT * FROM ${table}`));
      }
    } finally {
      await w.close();
    }
    expect(places['table etl_load_ledger'].length).toBeGreaterThan(100);
    places['HTML report'] = fs.readFileSync(summary.report, 'utf8');

    const leaks = Object.entries(places).flatMap(([place, text]) => secretsIn(text).map((secret) => `${secret} in ${place}`));
    expect(leaks).toEqual([]);
  });
});

describe('sparkify dev and quickstart print the warehouse without its password', () => {
  const SECRET_URI = 'postgres://etl:Pr1ntedS3cret@127.0.0.1:1/sparkify';
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-printed-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Starts the command, collects its output until `until` appears, then stops it with Ctrl-C and waits for it to exit. */
  async function outputUntil(args: string[], until: RegExp): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'warn' };
    delete env.TEMPORAL_ADDRESS;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${until} after 120 s:\n${seen}`)), 120_000);
        const onData = (chunk: Buffer) => {
          seen += chunk.toString();
          if (until.test(seen)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', () => {
          clearTimeout(timer);
          if (!until.test(seen)) reject(new Error(`exited before ${until}:\n${seen}`));
        });
      });
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    }
    return seen;
  }

  test('sparkify dev', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const out = await outputUntil(['dev', '--port', String(port), '--ui-port', String(uiPort), '--warehouse', SECRET_URI], /Ctrl-C stops everything/);
    expect(out).toContain('warehouse postgres://etl:***@127.0.0.1:1/sparkify');
    expect(out).not.toContain('Pr1ntedS3cret');
  });

  test('sparkify quickstart', async () => {
    const data = path.join(tmp, 'data');
    fs.mkdirSync(data, { recursive: true });
    const out = await outputUntil(['quickstart', '--source', data, '--warehouse', SECRET_URI], /Running the pipeline: .*\n/);
    expect(out).toContain('→ postgres://etl:***@127.0.0.1:1/sparkify');
    expect(out).not.toContain('Pr1ntedS3cret');
  });
});

test('configuration errors name a URI without its password', () => {
  expect(() => parseSourceUri('https://reader:S3cretPW@files.example/raw')).toThrow('--source: "https://reader:***@files.example/raw" is neither a local directory nor an s3:// URI');
  expect(() => parseWarehouseUri('mysql://etl:S3cretPW@db/x')).toThrow(/"mysql:\/\/etl:\*\*\*@db\/x" is not a warehouse URI/);
});
