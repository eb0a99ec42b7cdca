import { Match, Template } from 'aws-cdk-lib/assertions';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildApp, DEFAULT_INFRA_SETTINGS } from '../infra/app';
import { copyRolePolicy, workerPolicy } from '../infra/policies';
import { OUTPUT } from '../infra/settings';
import { warehouseFromOutputs, type InfraSettings as CliInfraSettings } from '../src/cli/infra';
import { parseWarehouseUri } from '../src/config';
import { pythonTools } from './harness/python';
import { SPARKIFY_BIN as BIN } from './support/cli';

// Stack assertions (aws-cdk-lib/assertions) on the synthesized templates, cfn-lint over the files
// `sparkify infra synth` writes, and `sparkify infra outputs` on a stack outputs file. Nothing here
// deploys: no AWS account is reachable from the test machines.

const ROOT = path.resolve(__dirname, '..');

// The CLI mirrors the settings type of infra/ (compiled apart): this fails to type-check if they drift.
const mirrored: CliInfraSettings = DEFAULT_INFRA_SETTINGS;

const templates = (() => {
  const { stacks } = buildApp(mirrored);
  return { serverless: Template.fromStack(stacks.serverless), provisioned: Template.fromStack(stacks.provisioned) };
})();

const copyRoleLogicalId = (t: Template): string => Object.keys(t.findResources('AWS::IAM::Role', { Properties: { RoleName: 'sparkify-redshift-copy' } }))[0];

describe.each(['serverless', 'provisioned'] as const)('%s stack', (mode) => {
  const t = templates[mode];

  test('the COPY role trusts only redshift.amazonaws.com', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'sparkify-redshift-copy',
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' } }],
      },
    });
  });

  test('the COPY role reads only the source data folders and staging, and writes only staging', () => {
    const role = t.findResources('AWS::IAM::Role', { Properties: { RoleName: 'sparkify-redshift-copy' } });
    const statements = Object.values(role)[0].Properties.Policies[0].PolicyDocument.Statement as { Action: string; Resource: unknown }[];
    expect(statements.map((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/"s3:\*"|"Resource":"\*"|ListBucket|DeleteObject/);
    // Every resource is built from the SourceBucket / SourcePrefix parameters, never a whole bucket.
    expect(text).toContain('{"Ref":"SourceBucket"}');
    expect(text).toContain('log_data/*');
    expect(text).toContain('song_data/*');
    const put = statements.find((s) => s.Action === 's3:PutObject')!;
    expect(JSON.stringify(put.Resource)).toContain('{"Ref":"StagingFolder"}');
    expect(JSON.stringify(put.Resource)).not.toMatch(/log_data|song_data/);
  });

  test('the role is wired into the warehouse, and no password is in the template', () => {
    const roleRef = { 'Fn::GetAtt': [copyRoleLogicalId(t), 'Arn'] };
    if (mode === 'serverless') {
      t.hasResourceProperties('AWS::RedshiftServerless::Namespace', { IamRoles: [roleRef], DefaultIamRoleArn: roleRef, AdminUsername: 'sparkify_admin' });
      const ns = Object.values(t.findResources('AWS::RedshiftServerless::Namespace'))[0].Properties;
      expect(JSON.stringify(ns.AdminUserPassword)).toMatch(/^\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:",\{"Ref":"AdminSecret[A-Z0-9]+"\},":SecretString:password::\}\}"\]\]\}$/);
      t.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password', PasswordLength: 32 }) });
      t.hasResourceProperties('AWS::RedshiftServerless::Workgroup', { WorkgroupName: 'sparkify', BaseCapacity: 8, PubliclyAccessible: false, SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() });
    } else {
      t.hasResourceProperties('AWS::Redshift::Cluster', { IamRoles: [roleRef], ManageMasterPassword: true, MasterUsername: 'sparkify_admin', Encrypted: true, PubliclyAccessible: false, ClusterType: 'single-node', NodeType: 'ra3.large' });
      const cluster = Object.values(t.findResources('AWS::Redshift::Cluster'))[0].Properties;
      expect(cluster.MasterUserPassword).toBeUndefined();
    }
    const whole = JSON.stringify(t.toJSON());
    expect(whole).not.toMatch(/"(MasterUserPassword|AdminUserPassword)":"[^{]/);
    expect(Object.keys(t.toJSON().Parameters)).toEqual(expect.arrayContaining(['SourceBucket', 'SourcePrefix', 'StagingFolder']));
  });

  test('removal policies: data is retained or snapshotted, the rest is destroyed', () => {
    if (mode === 'serverless') {
      t.hasResource('AWS::RedshiftServerless::Namespace', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
      t.hasResource('AWS::RedshiftServerless::Workgroup', { DeletionPolicy: 'Delete' });
    } else {
      t.hasResource('AWS::Redshift::Cluster', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
      t.hasResource('AWS::Redshift::ClusterSubnetGroup', { DeletionPolicy: 'Delete' });
    }
    for (const type of ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::EC2::SecurityGroup', 'AWS::EC2::VPC']) t.hasResource(type, { DeletionPolicy: 'Delete' });
  });

  test('the worker policy is least privilege for this warehouse', () => {
    const policy = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement as { Sid: string; Action: unknown; Resource: unknown }[];
    expect(policy.map((s) => s.Sid)).toEqual(['SubmitStatements', 'OwnStatementsOnly', 'WarehouseSecret', 'ListAndReadSource', 'WriteManifests']);
    // A manifest too big for one PUT goes up in parts, and a failed upload is aborted.
    expect(policy.find((s) => s.Sid === 'WriteManifests')!.Action).toEqual(['s3:PutObject', 's3:AbortMultipartUpload']);
    const submit = JSON.stringify(policy[0].Resource);
    if (mode === 'serverless') expect(submit).toContain('WorkgroupArn');
    else expect(submit).toMatch(/:cluster:/);
    expect(JSON.stringify(policy)).not.toMatch(/"(s3|redshift-data|secretsmanager):\*"/);
  });

  test('outputs: everything the URI needs', () => {
    const outputs = Object.keys(t.toJSON().Outputs);
    const common = [OUTPUT.mode, OUTPUT.region, OUTPUT.database, OUTPUT.copyRoleArn, OUTPUT.secretArn, OUTPUT.workerPolicyArn, OUTPUT.source, OUTPUT.staging];
    expect(outputs).toEqual(expect.arrayContaining([...common, mode === 'serverless' ? OUTPUT.workgroupName : OUTPUT.clusterIdentifier]));
    t.hasOutput(OUTPUT.mode, { Value: mode });
  });
});

// Ids of AWS's form: CloudFormation's validation warns of any other at synth.
const VPC = 'vpc-0a1b2c3d4e5f60718';
const SUBNETS = ['subnet-0a1b2c3d4e5f60711', 'subnet-0a1b2c3d4e5f60722', 'subnet-0a1b2c3d4e5f60733'];
const SECURITY_GROUP = 'sg-0a1b2c3d4e5f60744';

test('a reused network: no VPC is created, the given subnets and security group are used', () => {
  const { stacks } = buildApp({ ...DEFAULT_INFRA_SETTINGS, network: { vpcId: VPC, subnetIds: SUBNETS, securityGroupId: SECURITY_GROUP } });
  const t = Template.fromStack(stacks.serverless);
  t.resourceCountIs('AWS::EC2::VPC', 0);
  t.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  t.hasResourceProperties('AWS::RedshiftServerless::Workgroup', { SubnetIds: SUBNETS, SecurityGroupIds: [SECURITY_GROUP] });
  Template.fromStack(stacks.provisioned).hasResourceProperties('AWS::Redshift::ClusterSubnetGroup', { SubnetIds: SUBNETS });
});

describe('docs/redshift.md shows the policies of infra/policies.ts', () => {
  const docs = fs.readFileSync(path.join(ROOT, 'docs', 'redshift.md'), 'utf8');
  const jsonBlocks = [...docs.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
  const scope = { partition: 'aws', region: 'eu-west-1', account: '123456789012', bucket: 'my-data', sourcePrefix: 'sparkify/', stagingPrefix: 'sparkify/_sparkify-etl/' };

  test('the worker policy (cluster, dbUser)', () => {
    expect(jsonBlocks[0]).toEqual(workerPolicy(scope, { kind: 'cluster', clusterIdentifier: 'analytics-1', auth: { kind: 'dbUser', dbUser: 'etl', database: 'sparkify' } }));
  });
  test('the COPY role policy', () => {
    expect(jsonBlocks[1]).toEqual(copyRolePolicy(scope));
  });
});

describe('sparkify infra (built CLI)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-infra-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('synth writes both templates offline, and cfn-lint passes them', async () => {
    const out = path.join(tmp, 'cdk.out');
    // No credentials and an unroutable endpoint: synth must not need AWS.
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const r = spawnSync(process.execPath, [BIN, 'infra', 'synth', '--out', out], { cwd: tmp, env, encoding: 'utf8', timeout: 170_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('sparkify-warehouse-serverless');
    const files = ['sparkify-warehouse-serverless.template.json', 'sparkify-warehouse-provisioned.template.json'].map((f) => path.join(out, f));
    for (const f of files) expect(fs.existsSync(f)).toBe(true);

    const tools = await pythonTools();
    const lint = await promisify(execFile)(path.join(tools.binDir, 'cfn-lint'), ['--format', 'parseable', ...files]).then(
      (ok) => ({ code: 0, output: ok.stdout + ok.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, output: err.stdout + err.stderr }),
    );
    expect(lint.output).toBe('');
    expect(lint.code).toBe(0);
  });

  test('synth refuses a bad setting with exit code 2, naming it', () => {
    const r = spawnSync(process.execPath, [BIN, 'infra', 'synth', '--out', path.join(tmp, 'x'), '--base-capacity', '5'], { cwd: tmp, encoding: 'utf8', timeout: 170_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--base-capacity');
  });

  test('synth refuses a network id that is not an AWS id, naming the flag and the id', () => {
    const network = ['--vpc-id', VPC, '--subnet-ids', `${SUBNETS[0]},subnet-b,${SUBNETS[2]}`];
    const r = spawnSync(process.execPath, [BIN, 'infra', 'synth', '--out', path.join(tmp, 'y'), ...network], { cwd: tmp, encoding: 'utf8', timeout: 170_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--subnet-ids: "subnet-b" is not an AWS subnet id');
  });

  const outputs = {
    'sparkify-warehouse-serverless': {
      [OUTPUT.mode]: 'serverless',
      [OUTPUT.region]: 'eu-west-1',
      [OUTPUT.workgroupName]: 'sparkify',
      [OUTPUT.database]: 'sparkify',
      [OUTPUT.copyRoleArn]: 'arn:aws:iam::123456789012:role/sparkify-redshift-copy',
      [OUTPUT.secretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sparkify-warehouse-admin-AbCdEf',
      [OUTPUT.workerPolicyArn]: 'arn:aws:iam::123456789012:policy/sparkify-etl-worker',
      [OUTPUT.source]: 's3://my-data/sparkify/',
      [OUTPUT.staging]: 's3://my-data/sparkify/_sparkify-etl/',
    },
    'sparkify-warehouse-provisioned': {
      [OUTPUT.mode]: 'provisioned',
      [OUTPUT.region]: 'eu-west-1',
      [OUTPUT.clusterIdentifier]: 'sparkify',
      [OUTPUT.database]: 'sparkify',
      [OUTPUT.copyRoleArn]: 'arn:aws:iam::123456789012:role/sparkify-redshift-copy',
      [OUTPUT.secretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!sparkify-sparkify_admin-XyZ12a',
      [OUTPUT.workerPolicyArn]: 'arn:aws:iam::123456789012:policy/sparkify-etl-worker',
      [OUTPUT.source]: 's3://my-data/sparkify/',
      [OUTPUT.staging]: 's3://my-data/sparkify/_sparkify-etl/',
    },
  };

  test.each([
    ['serverless', [], 'workgroup', 'sparkify-warehouse-admin-AbCdEf'],
    ['provisioned', ['--provisioned'], 'cluster', 'redshift!sparkify-sparkify_admin-XyZ12a'],
  ] as const)('outputs (%s) prints a warehouse URI that sparkify run accepts', (_mode, flags, kind, secretTail) => {
    const file = path.join(tmp, 'outputs.json');
    fs.writeFileSync(file, JSON.stringify(outputs));
    const r = spawnSync(process.execPath, [BIN, 'infra', 'outputs', '--outputs-file', file, ...flags], { cwd: tmp, encoding: 'utf8', timeout: 170_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const uri = /^SPARKIFY_WAREHOUSE='(.+)'$/m.exec(r.stdout)![1];
    const config = parseWarehouseUri(uri);
    if (config.kind !== 'redshift') throw new Error(`not a Redshift URI: ${uri}`);
    expect(config.settings.target.kind).toBe(kind);
    expect(config.settings.target.secretArn).toMatch(new RegExp(`${secretTail.replace(/[!]/g, '\\$&')}$`));
    expect(config.settings).toMatchObject({ database: 'sparkify', region: 'eu-west-1', iamRole: 'arn:aws:iam::123456789012:role/sparkify-redshift-copy', staging: 's3://my-data/sparkify/_sparkify-etl/' });
    expect(r.stdout).toContain("SPARKIFY_SOURCE='s3://my-data/sparkify/'");

    // And `sparkify run` itself takes it: it gets past every setting check and stops only at the
    // missing region-less/credential-less AWS it cannot reach (not at exit code 2 for the URI).
    const run = spawnSync(process.execPath, [BIN, 'run', '--temporal', '127.0.0.1:9', '--source', 's3://my-data/sparkify/', '--warehouse', uri, '--date', '2018-11-01'], {
      cwd: tmp, encoding: 'utf8', env: { ...process.env, SPARKIFY_LOG_LEVEL: 'silent' }, timeout: 170_000,
    });
    expect(run.stderr).not.toContain('--warehouse');
    expect(run.status).toBe(1);
  });

  test('outputs without a file says what to do', () => {
    const r = spawnSync(process.execPath, [BIN, 'infra', 'outputs', '--outputs-file', path.join(tmp, 'none.json')], { cwd: tmp, encoding: 'utf8', timeout: 170_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('sparkify infra deploy');
  });

  test('warehouseFromOutputs names a missing output', () => {
    expect(() => warehouseFromOutputs({ [OUTPUT.mode]: 'serverless' }, 'f.json')).toThrow(/output WorkgroupName is missing/);
  });

  test('deploy says up front when AWS credentials are missing', () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_REGION: 'eu-west-1', AWS_PROFILE: 'sparkify-none', AWS_CONFIG_FILE: path.join(tmp, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'none'), AWS_EC2_METADATA_DISABLED: 'true' };
    const r = spawnSync(process.execPath, [BIN, 'infra', 'deploy', '--out', path.join(tmp, 'd.out'), '--source', 's3://my-data/sparkify/', '--yes'], { cwd: tmp, env, encoding: 'utf8', timeout: 170_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/deploy needs AWS credentials that work: no AWS credentials found/);
  });
});
