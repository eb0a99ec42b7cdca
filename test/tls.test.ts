import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../src/etl/types';
import { provisionedTemporalCli } from './support/temporalCli';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { DuckDbWarehouse } from '../src/warehouse/duckdb';
import { SAMPLE_DIR, startTestTemporal, type TestTemporal } from './harness/temporal';
import { startTlsTerminator, type Terminator } from './harness/tlsTerminator';
import { SPARKIFY_BIN as BIN } from './support/cli';

/**
 * Connecting to a Temporal that speaks only TLS: a terminator on loopback (test/harness/tlsTerminator.ts)
 * in front of the dev server, with certificates made here by the openssl CLI. `sparkify worker` and
 * `sparkify run` (their own processes, over dist/) connect with TLS, with mTLS and an API key (the
 * terminator checks both), and through a Temporal CLI TOML profile; bad settings exit 2 in one line.
 */
const SERVER_NAME = 'temporal.sparkify.test';
const API_KEY = `key-${randomUUID()}`;
const DAY = '2018-11-15';

let temporal: TestTemporal;
let tmp: string;
let tlsOnly: Terminator;
let mutual: Terminator;
const children: ChildProcess[] = [];
const pem = (name: string) => path.join(tmp, name);

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A CA, and leaf certificates it signs (EC P-256, v3 with the extensions rustls and Node check). */
function makeCa(name: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function makeLeaf(name: string, ca: string, cn: string, usage: 'serverAuth' | 'clientAuth'): void {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  fs.writeFileSync(path.join(tmp, `${name}.ext`), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage}`,
    ...(usage === 'serverAuth' ? [`subjectAltName=DNS:${cn}`] : []),
  ].join('\n'));
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

/** The environment of a child: none of this machine's Temporal settings, plus the given ones. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SPARKIFY_LOG_LEVEL: 'info' };
  for (const key of Object.keys(env)) if (key.startsWith('TEMPORAL_') || key === 'SPARKIFY_WAREHOUSE' || key === 'SPARKIFY_SOURCE') delete env[key];
  env.TEMPORAL_CONFIG_FILE = path.join(tmp, 'no-such-temporal.toml');
  return { ...env, ...extra };
}

/** Stops a worker process (SIGTERM) and waits for it: it lets go of its DuckDB file. */
async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `sparkify worker` in its own process; resolves once it polls. */
function startWorker(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--source', SAMPLE_DIR, ...args], { cwd: tmp, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('worker running')) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before polling:\n${seen}`)));
  });
}

/** The CLI in its own process, asynchronously: the terminator lives in this process and must keep serving. */
function sparkify(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: childEnv({ ...env, SPARKIFY_LOG_LEVEL: 'error' }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

/** `sparkify run --date DAY --json` with the given connection settings; the summary it printed. */
async function runDay(args: string[], env: Record<string, string>, warehouse: string): Promise<RunSummary> {
  const r = await sparkify(['run', '--date', DAY, '--source', SAMPLE_DIR, '--warehouse', warehouse, '--json', ...args], env);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RunSummary;
}

async function songplaysOn(warehouseFile: string): Promise<number> {
  const wh = await DuckDbWarehouse.open(warehouseFile);
  try {
    const [row] = await wh.query(`SELECT COUNT(*) AS n FROM songplays WHERE CAST(start_time AS DATE) = DATE '${DAY}'`);
    return Number(row.n);
  } finally {
    await wh.close();
  }
}

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(__dirname, '../dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-tls-'));
  makeCa('ca');
  makeCa('other-ca');
  makeLeaf('server', 'ca', SERVER_NAME, 'serverAuth');
  makeLeaf('client', 'ca', 'sparkify-worker', 'clientAuth');
  temporal = await startTestTemporal();
  expect(await ensureSearchAttributes(temporal.client)).toBe(true);
  const server = { upstream: temporal.server.address, cert: fs.readFileSync(pem('server.pem'), 'utf8'), key: fs.readFileSync(pem('server.key'), 'utf8') };
  tlsOnly = await startTlsTerminator(server);
  mutual = await startTlsTerminator({ ...server, clientCa: fs.readFileSync(pem('ca.pem'), 'utf8'), apiKey: API_KEY });
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  await tlsOnly?.stop();
  await mutual?.stop();
  await temporal?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('connecting through TLS', () => {
  test('TLS with flags: a worker and `sparkify run` through the terminator, server name overridden, CA given', async () => {
    const queue = `tls-${randomUUID()}`;
    const warehouse = path.join(tmp, 'tls.duckdb');
    const flags = ['--temporal', tlsOnly.address, '--tls-ca', pem('ca.pem'), '--tls-server-name', SERVER_NAME];
    const worker = await startWorker([...flags, '--warehouse', `duckdb:${warehouse}`], { SPARKIFY_TASK_QUEUE: queue });
    const callsBefore = tlsOnly.seen.calls;
    const summary = await runDay(flags, { SPARKIFY_TASK_QUEUE: queue }, `duckdb:${warehouse}`);
    expect(summary.window).toEqual({ from: DAY, to: DAY });
    expect(tlsOnly.seen.calls).toBeGreaterThan(callsBefore + 5);
    await stopWorker(worker);
    expect(await songplaysOn(warehouse)).toBe(summary.matches.plays);
  });

  test('mTLS and an API key from the Temporal CLI env vars: the terminator sees the client certificate and `authorization: Bearer KEY`', async () => {
    const queue = `mtls-${randomUUID()}`;
    const warehouse = path.join(tmp, 'mtls.duckdb');
    const env = {
      SPARKIFY_TASK_QUEUE: queue,
      TEMPORAL_ADDRESS: mutual.address,
      TEMPORAL_TLS_CA: pem('ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_TLS_CERT: pem('client.pem'),
      TEMPORAL_TLS_KEY: pem('client.key'),
      TEMPORAL_API_KEY: API_KEY,
    };
    const worker = await startWorker(['--warehouse', `duckdb:${warehouse}`], env);
    const summary = await runDay([], env, `duckdb:${warehouse}`);
    expect(summary.files.events).toBe(1);
    await stopWorker(worker);
    expect(await songplaysOn(warehouse)).toBe(summary.matches.plays);
    // As the SDK sends it, on every call (the Rust core of the worker, and the Node client of run).
    expect([...mutual.seen.authorization]).toEqual([`Bearer ${API_KEY}`]);
    expect(mutual.seen.rejected).toBe(0);
    expect([...mutual.seen.clientNames]).toEqual(['sparkify-worker']);
  });

  test('a Temporal CLI TOML profile works unchanged, and flags layer on top of it', async () => {
    const queue = `profile-${randomUUID()}`;
    const warehouse = path.join(tmp, 'profile.duckdb');
    const toml = path.join(tmp, 'temporal.toml');
    fs.writeFileSync(
      toml,
      [
        '[profile.ops]',
        `address = "${mutual.address}"`,
        'namespace = "default"',
        'api_key = "an-old-key"',
        '[profile.ops.tls]',
        `server_name = "${SERVER_NAME}"`,
        `server_ca_cert_path = "${pem('ca.pem')}"`,
        `client_cert_path = "${pem('client.pem')}"`,
        `client_key_path = "${pem('client.key')}"`,
        '',
      ].join('\n'),
    );
    const env = { SPARKIFY_TASK_QUEUE: queue, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'ops' };
    // The profile's key is stale: the flag wins for the worker, the env var for the run.
    const worker = await startWorker(['--warehouse', `duckdb:${warehouse}`, '--api-key', API_KEY], env);
    const summary = await runDay([], { ...env, TEMPORAL_API_KEY: API_KEY }, `duckdb:${warehouse}`);
    await stopWorker(worker);
    expect(await songplaysOn(warehouse)).toBe(summary.matches.plays);
    expect(mutual.seen.rejected).toBe(0);
    // The stale key alone is refused, and said so.
    const stale = await sparkify(['run', '--date', DAY, '--source', SAMPLE_DIR, '--warehouse', `duckdb:${warehouse}`], env);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toMatch(/^sparkify: Temporal at 127\.0\.0\.1:\d+ rejected the API key \(the Temporal CLI profile's api_key\)/);
  });

  test('a wrong CA, a missing client certificate and a bad API key each exit 2 with one line naming the setting', async () => {
    const base = { SPARKIFY_TASK_QUEUE: `bad-${randomUUID()}`, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME };
    const cases: { name: string; env: Record<string, string>; message: RegExp }[] = [
      {
        name: 'wrong CA',
        env: { ...base, TEMPORAL_ADDRESS: tlsOnly.address, TEMPORAL_TLS_CA: pem('other-ca.pem') },
        message: /^sparkify: Temporal at 127\.0\.0\.1:\d+: its certificate is not trusted by the CA in .*other-ca\.pem \(TEMPORAL_TLS_CA\)/,
      },
      {
        name: 'missing client certificate',
        env: { ...base, TEMPORAL_ADDRESS: mutual.address, TEMPORAL_TLS_CA: pem('ca.pem'), TEMPORAL_API_KEY: API_KEY },
        message: /^sparkify: Temporal at 127\.0\.0\.1:\d+ wants a client certificate \(mTLS\): set --tls-cert \(TEMPORAL_TLS_CERT\) and --tls-key \(TEMPORAL_TLS_KEY\)/,
      },
      {
        name: 'bad API key',
        env: { ...base, TEMPORAL_ADDRESS: mutual.address, TEMPORAL_TLS_CA: pem('ca.pem'), TEMPORAL_TLS_CERT: pem('client.pem'), TEMPORAL_TLS_KEY: pem('client.key'), TEMPORAL_API_KEY: 'wrong' },
        message: /^sparkify: Temporal at 127\.0\.0\.1:\d+ rejected the API key \(TEMPORAL_API_KEY\)/,
      },
      {
        name: 'unreadable CA file',
        env: { ...base, TEMPORAL_ADDRESS: tlsOnly.address, TEMPORAL_TLS_CA: pem('missing.pem') },
        message: /^sparkify: TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/,
      },
    ];
    // Each case and command in its own process at once (its own warehouse file, so none waits on another's).
    const attempts = cases.flatMap((c, i) => {
      const warehouse = `duckdb:${path.join(tmp, `bad-${i}.duckdb`)}`;
      return [['run', '--date', DAY, '--source', SAMPLE_DIR, '--warehouse', warehouse], ['worker', '--source', SAMPLE_DIR, '--warehouse', warehouse]].map((command) => ({ c, command }));
    });
    const results = await Promise.all(attempts.map(({ c, command }) => sparkify(command, c.env)));
    for (const [i, { c, command }] of attempts.entries()) {
      const r = results[i];
      expect({ case: c.name, command: command[0], status: r.status, stderr: r.stderr }).toEqual({ case: c.name, command: command[0], status: 2, stderr: expect.stringMatching(c.message) });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

// The hint gave only --address: against a server that wants TLS, a client certificate and an API
// key, its cancel command could not connect.
describe('Ctrl-C while `sparkify run` waits on a workflow through mTLS and an API key', () => {
  test('the cancel command it suggests carries the connection flags, with a placeholder for the key, and cancels the run', async () => {
    const workflowId = 'sparkify-etl-2018-11-16';
    const flags = ['--temporal', mutual.address, '--tls-ca', pem('ca.pem'), '--tls-server-name', SERVER_NAME, '--tls-cert', pem('client.pem'), '--tls-key', pem('client.key'), '--api-key', API_KEY];
    // No worker polls this queue: the run waits until it is stopped.
    const env = childEnv({ SPARKIFY_TASK_QUEUE: `idle-${randomUUID()}` });
    const child = spawn(process.execPath, [BIN, 'run', '--date', '2018-11-16', '--source', SAMPLE_DIR, '--warehouse', `duckdb:${pem('ctrl-c.duckdb')}`, ...flags], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (status) => resolve(status)));
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('no worker polls task queue')) resolve();
      });
      void exited.then(() => reject(new Error(`run exited before waiting:\n${stderr}`)));
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);

    const hint = stderr.split('\n').find((line) => line.startsWith(`${workflowId} keeps running`));
    expect(hint).toBeDefined();
    expect(stderr).not.toContain(API_KEY);
    const cancel = /cancel it: (temporal workflow cancel .*?)(?: \(|$)/.exec(hint!)![1];
    expect(cancel).toBe(
      `temporal workflow cancel --workflow-id ${workflowId} --address ${mutual.address} --tls-ca-path ${pem('ca.pem')} --tls-cert-path ${pem('client.pem')} ` +
        `--tls-key-path ${pem('client.key')} --tls-server-name ${SERVER_NAME} --api-key …`,
    );

    // The operator's own step: the key in place of its placeholder, run with no TEMPORAL_* settings of this machine.
    const cli = await provisionedTemporalCli();
    const args = cancel.replace('…', API_KEY).split(' ').slice(1);
    // Asynchronously: the terminator serves from this process.
    const cancelling = spawn(cli.path, args, { cwd: tmp, env: childEnv({}), stdio: ['ignore', 'ignore', 'pipe'] });
    let cancelErrors = '';
    cancelling.stderr!.on('data', (chunk: Buffer) => (cancelErrors += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => cancelling.once('close', resolve));
    expect({ status, stderr: cancelErrors }).toEqual({ status: 0, stderr: '' });
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events!.some((event) => event.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    await temporal.client.workflow.getHandle(workflowId).terminate('test done');
  });
});
