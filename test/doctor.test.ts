import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateClusterCommand, PauseClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyRolePolicy } from '../infra/policies';
import type { CheckResult } from '../src/doctor';
import { createTestDatabase, startPostgres, type PgServer } from './harness/postgres';
import { MOTO_ACCOUNT, MOTO_REGION, startMoto, type MotoServer } from './harness/moto';
import { cargoOnPath } from './support/cargo';
import { startRedshiftEmulator, type RedshiftEmulator } from './support/redshift-emulator';
import { startDevServer } from '../src/temporal/devServer';
import { freePort } from '../src/util/ports';
import { SPARKIFY_BIN as BIN } from './support/cli';

// `sparkify doctor` (the built CLI) against moto in server mode: real AWS API calls (STS, S3, IAM,
// provisioned Redshift) to an emulator on loopback, with one seeded fault per test. The Data API
// probe (SELECT 1) goes to the project's Data API emulator on PostgreSQL (moto's Data API answers
// every query with canned rows). Redshift Serverless is in test/doctorServerless.test.ts.

const BUCKET = 'sparkify-data';
const PREFIX = 'sparkify/';
const ROLE = 'sparkify-redshift-copy';
const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT}:role/${ROLE}`;
const SECRET = `arn:aws:secretsmanager:${MOTO_REGION}:${MOTO_ACCOUNT}:secret:sparkify-admin-AbCdEf`;
const REDSHIFT_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

let moto: MotoServer;
let pg: PgServer;
let dataApi: RedshiftEmulator;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-doctor-'));
  moto = await startMoto();
  pg = await startPostgres();
  dataApi = await startRedshiftEmulator({ pgUrl: await createTestDatabase(pg.url, 'doctor'), s3: { endpoint: moto.endpoint, region: MOTO_REGION, forcePathStyle: true, accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  await dataApi?.stop();
  await pg?.stop();
  await moto?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
});

const clientConfig = () => ({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: { accessKeyId: 'seed', secretAccessKey: 'seed' } });

interface Seed {
  bucket?: boolean;
  role?: 'redshift' | 'ec2' | 'none';
  rolePolicyPrefix?: string;
  cluster?: 'available' | 'paused';
}

async function seed({ bucket = true, role = 'redshift', rolePolicyPrefix = PREFIX, cluster = 'available' }: Seed = {}): Promise<void> {
  if (bucket) {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}log_data/2018/11/2018-11-01-events.json`, Body: '{"ts":1}\n' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}song_data/A/A/A/TRAAAAK128F9318786.json`, Body: '{"song_id":"S"}' }));
    s3.destroy();
  }
  const iam = new IAMClient(clientConfig());
  if (role !== 'none') {
    const trust = role === 'redshift' ? REDSHIFT_TRUST : { ...REDSHIFT_TRUST, Statement: [{ ...REDSHIFT_TRUST.Statement[0], Principal: { Service: 'ec2.amazonaws.com' } }] };
    await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    // The stack's own COPY role policy, from infra/policies.ts.
    const policy = copyRolePolicy({ partition: 'aws', region: MOTO_REGION, account: MOTO_ACCOUNT, bucket: BUCKET, sourcePrefix: rolePolicyPrefix, stagingPrefix: `${rolePolicyPrefix}_sparkify-etl/` });
    await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: 'copy-from-source', PolicyDocument: JSON.stringify(policy) }));
  }
  iam.destroy();
  const redshift = new RedshiftClient(clientConfig());
  await redshift.send(
    new CreateClusterCommand({ ClusterIdentifier: 'sparkify', NodeType: 'ra3.large', ClusterType: 'single-node', MasterUsername: 'sparkify_admin', MasterUserPassword: 'Passw0rdPassw0rd', DBName: 'sparkify', IamRoles: [ROLE_ARN] }),
  );
  if (cluster === 'paused') await redshift.send(new PauseClusterCommand({ ClusterIdentifier: 'sparkify' }));
  redshift.destroy();
}

const WAREHOUSE = () => `redshift-data://cluster/sparkify/sparkify?secretArn=${SECRET}&region=${MOTO_REGION}&iamRole=${ROLE_ARN}&endpoint=${dataApi.endpoint}`;

/** Runs the built CLI without blocking this process: the Data API emulator answers from here. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000, env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

async function doctor(extraEnv: Record<string, string> = {}, args: string[] = ['--json'], warehouse = WAREHOUSE()): Promise<{ code: number | null; stdout: string; stderr: string; checks: CheckResult[] }> {
  const r = await runCli(['doctor', '--source', `s3://${BUCKET}/${PREFIX}`, '--warehouse', warehouse, ...args], {
    PATH: process.env.PATH ?? '', HOME: tmp, SPARKIFY_LOG_LEVEL: 'silent', ...moto.env, ...extraEnv,
  });
  let checks: CheckResult[] = [];
  if (args.includes('--json')) {
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (!last.startsWith('{')) throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    checks = (JSON.parse(last) as { checks: CheckResult[] }).checks;
  }
  return { ...r, checks };
}

const byId = (checks: CheckResult[], id: string): CheckResult => {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${JSON.stringify(checks.map((c) => c.id))}`);
  return found;
};

test('healthy setup: every check is ok, in the documented order, exit 0', async () => {
  await seed();
  const r = await doctor();
  const notOk = r.checks.filter((c) => c.status !== 'ok' && c.status !== 'skipped');
  expect(notOk).toEqual([]);
  expect(r.checks.map((c) => c.id)).toEqual([
    'aws.region', 'aws.credentials', 'source.readable', 'source.layout',
    'copyRole.exists', 'copyRole.trust', 'copyRole.attached', 'copyRole.canRead',
    'warehouse.available', 'warehouse.query', 'temporal.reachable', 'warehouse.versions',
  ]);
  expect(byId(r.checks, 'aws.credentials').detail).toContain(MOTO_ACCOUNT);
  expect(byId(r.checks, 'warehouse.query').detail).toContain('answers through the Data API');
  expect(r.code).toBe(0);

  const text = await doctor({}, []);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^ok +COPY role trusts Redshift: redshift\.amazonaws\.com may assume it$/m);
  expect(text.stdout).toMatch(/^No problems found: 11 ok, 1 skipped \(Temporal reachable\)$/m);
});

test('missing role: named, with the fix, exit 1', async () => {
  await seed({ role: 'none' });
  const r = await doctor();
  const line = byId(r.checks, 'copyRole.exists');
  expect(line.status).toBe('problem');
  expect(line.detail).toBe(`missing role: ${ROLE_ARN} does not exist`);
  expect(line.fix).toContain('sparkify infra deploy');
  expect(r.code).toBe(1);
});

test('wrong trust: named, with the fix', async () => {
  await seed({ role: 'ec2' });
  const r = await doctor();
  const line = byId(r.checks, 'copyRole.trust');
  expect(line.status).toBe('problem');
  expect(line.detail).toMatch(/^wrong trust: .*redshift\.amazonaws\.com/);
  expect(line.fix).toContain('aws iam update-assume-role-policy');
  expect(byId(r.checks, 'copyRole.exists').status).toBe('ok');
  expect(r.code).toBe(1);
});

test('bucket not found: named, with the fix', async () => {
  await seed({ bucket: false });
  const r = await doctor();
  const line = byId(r.checks, 'source.readable');
  expect(line.status).toBe('problem');
  expect(line.detail).toMatch(/^bucket not found: sparkify-data/);
  expect(line.fix).toContain('bucket name');
  expect(r.code).toBe(1);
});

test('access denied: the caller may not list the source (moto enforcing IAM)', async () => {
  await seed();
  const iam = new IAMClient(clientConfig());
  await iam.send(new CreateUserCommand({ UserName: 'etl-worker' }));
  // Everything the doctor calls except S3.
  await iam.send(new PutUserPolicyCommand({ UserName: 'etl-worker', PolicyName: 'no-s3', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:*', 'iam:*', 'redshift:*', 'redshift-data:*'], Resource: '*' }] }) }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'etl-worker' }));
  iam.destroy();
  await moto.enforceIam();
  try {
    const r = await doctor({ AWS_ACCESS_KEY_ID: AccessKey!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: AccessKey!.SecretAccessKey! });
    expect(byId(r.checks, 'aws.credentials').status).toBe('ok');
    const line = byId(r.checks, 'source.readable');
    expect(line.status).toBe('problem');
    expect(line.detail).toMatch(/^access denied listing s3:\/\/sparkify-data\/sparkify\//);
    expect(line.fix).toContain('s3:ListBucket');
    expect(r.code).toBe(1);
  } finally {
    await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: 'inf' });
  }
});

test('access denied: the COPY role may not read the source prefix', async () => {
  await seed({ rolePolicyPrefix: 'elsewhere/' });
  const r = await doctor();
  const line = byId(r.checks, 'copyRole.canRead');
  expect(line.status).toBe('problem');
  expect(line.detail).toMatch(/^access denied: sparkify-redshift-copy may not s3:GetObject arn:aws:s3:::sparkify-data\/sparkify\/log_data\//);
  expect(line.fix).toContain('s3:GetObject');
});

test('cluster not available (paused): named, with the fix', async () => {
  await seed({ cluster: 'paused' });
  const r = await doctor();
  const line = byId(r.checks, 'warehouse.available');
  expect(line.status).toBe('problem');
  expect(line.detail).toBe('cluster not available: cluster sparkify is paused');
  expect(line.fix).toContain('aws redshift resume-cluster --cluster-identifier sparkify');
  expect(byId(r.checks, 'warehouse.query').status).toBe('unchecked');
});

test('cluster not found: named, with the fix', async () => {
  await seed();
  const r = await doctor({}, ['--json'], WAREHOUSE().replace('cluster/sparkify/', 'cluster/nosuch/'));
  const line = byId(r.checks, 'warehouse.available');
  expect(line.detail).toMatch(/^cluster nosuch not found/);
  expect(line.fix).toContain('sparkify infra deploy');
  expect(r.code).toBe(1);
});

test('AWS unreachable: could not check, exit 3', async () => {
  const r = await doctor({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', SPARKIFY_S3_ENDPOINT: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' });
  expect(byId(r.checks, 'aws.credentials').status).toBe('unchecked');
  expect(r.checks.some((c) => c.status === 'problem')).toBe(false);
  expect(r.code).toBe(3);
});

test('sparkify run fails fast with the same line when the DuckDB path cannot be written', () => {
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, '');
  const r = spawnSync(process.execPath, [BIN, 'run', '--source', tmp, '--warehouse', `duckdb:${file}/w.duckdb`], { cwd: tmp, encoding: 'utf8', timeout: 120_000, env: { ...process.env, SPARKIFY_LOG_LEVEL: 'silent' } });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/PROBLEM +DuckDB path writable: .*a-file is not writable \(ENOTDIR\) — fix: give --warehouse duckdb:<path>/);
});

test('sparkify worker fails fast on a Redshift warehouse without a region', () => {
  const uri = 'redshift-data://cluster/sparkify/sparkify?dbUser=etl';
  const r = spawnSync(process.execPath, [BIN, 'worker', '--temporal', '127.0.0.1:9', '--warehouse', uri], {
    cwd: tmp, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: tmp, SPARKIFY_LOG_LEVEL: 'silent', AWS_CONFIG_FILE: path.join(tmp, 'none') },
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/PROBLEM +AWS region set: no AWS region for the Redshift Data API — fix: set AWS_REGION/);
});

test('deploy says up front when the account is not bootstrapped (CloudFormation on moto has no CDKToolkit stack)', async () => {
  const r = await runCli(['infra', 'deploy', '--out', path.join(tmp, 'cdk.out'), '--source', `s3://${BUCKET}/${PREFIX}`, '--yes'], {
    PATH: process.env.PATH ?? '', HOME: tmp, ...moto.env,
  });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`deploy: account ${MOTO_ACCOUNT} in ${MOTO_REGION} is not bootstrapped for CDK (no CDKToolkit stack)`);
  expect(r.stderr).toContain(`npx cdk bootstrap aws://${MOTO_ACCOUNT}/${MOTO_REGION}`);
});

describe('local checks', () => {
  const localEnv = () => ({ PATH: process.env.PATH ?? '', HOME: tmp, SPARKIFY_LOG_LEVEL: 'silent' });
  const checksOf = (stdout: string): CheckResult[] => (JSON.parse(stdout.trim().split('\n').pop()!) as { checks: CheckResult[] }).checks;

  test('a local source without song files, and PostgreSQL reachable or not', async () => {
    const dir = path.join(tmp, 'data');
    fs.mkdirSync(path.join(dir, 'log_data', '2018', '11'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'log_data', '2018', '11', '2018-11-01-events.json'), '{}\n');
    let r = await runCli(['doctor', '--json', '--source', dir, '--warehouse', pg.url], localEnv());
    let checks = checksOf(r.stdout);
    expect(byId(checks, 'aws.credentials').status).toBe('skipped');
    expect(byId(checks, 'source.layout')).toMatchObject({ status: 'problem', detail: `${dir}: no song files (song_data/…/*.json)` });
    expect(byId(checks, 'warehouse.local')).toMatchObject({ status: 'ok', title: 'PostgreSQL reachable' });
    // npm run build built the native encoder (cargo is on CI's PATH); without cargo it says JavaScript.
    expect(byId(checks, 'staging.rowEncoder')).toMatchObject({ status: 'ok', detail: cargoOnPath() ? 'native (native/rows)' : expect.stringMatching(/^JavaScript: native not built/) });
    expect(r.code).toBe(1);

    fs.mkdirSync(path.join(dir, 'song_data', 'A'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'song_data', 'A', 'TRA.json'), '{}');
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    r = await runCli(['doctor', '--json', '--source', dir, '--warehouse', closed], localEnv());
    checks = checksOf(r.stdout);
    expect(byId(checks, 'source.layout').status).toBe('ok');
    expect(byId(checks, 'warehouse.local').status).toBe('problem');
    expect(byId(checks, 'warehouse.local').fix).toContain('start PostgreSQL');
    expect(r.code).toBe(1);
  });

  test('Temporal: unreachable; reachable with no worker; a namespace that does not exist', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    let r = await runCli(['doctor', '--json', '--temporal', closed], localEnv());
    expect(byId(checksOf(r.stdout), 'temporal.reachable')).toMatchObject({ status: 'problem' });
    expect(byId(checksOf(r.stdout), 'temporal.reachable').detail).toContain(`nothing answers at ${closed}`);

    const server = await startDevServer();
    try {
      r = await runCli(['doctor', '--json', '--temporal', server.address], { ...localEnv(), SPARKIFY_TASK_QUEUE: 'doctor-test-queue' });
      let checks = checksOf(r.stdout);
      expect(byId(checks, 'temporal.reachable').status).toBe('ok');
      expect(byId(checks, 'temporal.namespace').status).toBe('ok');
      expect(byId(checks, 'temporal.worker')).toMatchObject({ status: 'problem', detail: 'no worker polls task queue doctor-test-queue: runs would wait' });

      r = await runCli(['doctor', '--json', '--temporal', server.address], { ...localEnv(), TEMPORAL_NAMESPACE: 'no-such-namespace' });
      checks = checksOf(r.stdout);
      expect(byId(checks, 'temporal.namespace')).toMatchObject({ status: 'problem', detail: `namespace no-such-namespace does not exist at ${server.address}` });
    } finally {
      await server.stop();
    }
  });
});
