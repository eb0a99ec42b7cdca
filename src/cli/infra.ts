import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { ConfigError, parseSourceUri, parseWarehouseUri } from '../config';
import { checkAwsCredentials, resolveAwsRegion } from '../doctor/aws';

/*
 * `sparkify infra …` wraps the CDK app in infra/ (built to dist/infra/). synth runs the app in
 * this process (no network, no account); diff, deploy and destroy hand the synthesized cloud
 * assembly to the CDK CLI (`cdk … --app <assembly>`), which needs credentials and a bootstrapped
 * account/region. aws-cdk-lib and aws-cdk are dev dependencies: present after `npm ci` in a clone.
 */

/** Mirrors infra/settings.ts (infra/ is compiled on its own; a test checks the two agree). */
export interface InfraSettings {
  name: string;
  database: string;
  adminUsername: string;
  baseCapacity: number;
  nodeType: string;
  numberOfNodes: number;
  network?: { vpcId: string; subnetIds: string[]; securityGroupId?: string };
}

interface InfraApp {
  DEFAULT_INFRA_SETTINGS: InfraSettings;
  stackName(settings: Pick<InfraSettings, 'name'>, mode: 'serverless' | 'provisioned'): string;
  synthesize(settings: InfraSettings, outdir: string): { directory: string; templates: Record<string, string> };
}

const NEEDS_DEV_DEPS = 'sparkify infra needs the CDK app and its dev dependencies (aws-cdk-lib, constructs, aws-cdk): run `npm ci && npm run build` in a clone of the repository';

function loadInfraApp(): InfraApp {
  // dist/cli → dist/infra/app.js when built; src/cli → infra/app.ts under ts-jest.
  const candidates = [path.join(__dirname, '..', 'infra', 'app'), path.join(__dirname, '..', '..', 'infra', 'app')];
  for (const candidate of candidates) {
    try {
      // A path chosen at run time, and optional: the CDK app exists only where dev dependencies do.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(candidate) as InfraApp;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'MODULE_NOT_FOUND') throw err;
      if (!String(e.message).includes(candidate)) throw new ConfigError(`${NEEDS_DEV_DEPS} (${e.message.split('\n')[0]})`);
    }
  }
  throw new ConfigError(`${NEEDS_DEV_DEPS} (no built CDK app at ${candidates[0]}.js)`);
}

function cdkCliPath(): string {
  try {
    return require.resolve('aws-cdk/bin/cdk');
  } catch {
    throw new ConfigError(`${NEEDS_DEV_DEPS} (the aws-cdk package is not installed)`);
  }
}

/** Output keys, as in infra/settings.ts OUTPUT. */
const OUTPUT = {
  mode: 'WarehouseMode',
  region: 'Region',
  workgroupName: 'WorkgroupName',
  clusterIdentifier: 'ClusterIdentifier',
  database: 'Database',
  copyRoleArn: 'CopyRoleArn',
  secretArn: 'AdminSecretArn',
  workerPolicyArn: 'WorkerPolicyArn',
  source: 'SourceUri',
  staging: 'StagingUri',
} as const;

export interface WarehouseFromOutputs {
  uri: string;
  source: string;
  copyRoleArn: string;
  workerPolicyArn: string;
  region: string;
}

// Readable query values: ARNs keep their ':' and '/', everything else that matters is escaped.
const queryValue = (value: string): string => encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2F/gi, '/');

/** A stack's outputs → the `redshift-data://…` URI `sparkify run` takes, and the rest a worker needs. */
export function warehouseFromOutputs(outputs: Record<string, string>, origin: string): WarehouseFromOutputs {
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value) throw new ConfigError(`${origin}: output ${key} is missing; is this a sparkify warehouse stack?`);
    return value;
  };
  const mode = need(OUTPUT.mode);
  const target =
    mode === 'serverless'
      ? `workgroup/${encodeURIComponent(need(OUTPUT.workgroupName))}`
      : mode === 'provisioned'
        ? `cluster/${encodeURIComponent(need(OUTPUT.clusterIdentifier))}`
        : (() => {
            throw new ConfigError(`${origin}: output ${OUTPUT.mode} is "${mode}", expected serverless or provisioned`);
          })();
  const params = {
    secretArn: need(OUTPUT.secretArn),
    region: need(OUTPUT.region),
    iamRole: need(OUTPUT.copyRoleArn),
    staging: need(OUTPUT.staging),
  };
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${queryValue(v)}`)
    .join('&');
  const uri = `redshift-data://${target}/${encodeURIComponent(need(OUTPUT.database))}?${query}`;
  // What `sparkify run` would do with it: refuse anything it would refuse.
  parseWarehouseUri(uri, `${origin} (warehouse URI)`);
  const source = need(OUTPUT.source);
  parseSourceUri(source, `${origin} (${OUTPUT.source})`);
  return { uri, source, copyRoleArn: params.iamRole, workerPolicyArn: need(OUTPUT.workerPolicyArn), region: params.region };
}

/** Reads `cdk deploy --outputs-file` JSON: `{ "<stack>": { "<OutputKey>": "value" } }`. */
export function readOutputsFile(file: string, stack: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') {
      throw new ConfigError(`--outputs-file: ${file} does not exist; \`sparkify infra deploy\` writes it (or use --from-stack to read the deployed stack)`);
    }
    throw new ConfigError(`--outputs-file: ${file} is not JSON: ${e.message}`);
  }
  const stacks = parsed as Record<string, Record<string, string>>;
  if (!stacks || typeof stacks !== 'object' || !stacks[stack]) {
    const found = stacks && typeof stacks === 'object' ? Object.keys(stacks).join(', ') || 'none' : 'none';
    throw new ConfigError(`--outputs-file: ${file} has no outputs for stack ${stack} (stacks in it: ${found}); add --provisioned or --name if it was deployed that way`);
  }
  return stacks[stack];
}

async function outputsFromStack(stack: string): Promise<Record<string, string>> {
  const client = new CloudFormationClient({});
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stack }));
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } finally {
    client.destroy();
  }
}

function print(line = ''): void {
  process.stdout.write(line + '\n');
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} must be a whole number ≥ 1, got ${value}`);
    return n;
  };
}

interface InfraFlags {
  out: string;
  name?: string;
  database?: string;
  adminUser?: string;
  baseCapacity?: number;
  nodeType?: string;
  nodes?: number;
  vpcId?: string;
  subnetIds?: string;
  securityGroupId?: string;
  provisioned?: boolean;
  source?: string;
  stagingFolder?: string;
  outputsFile?: string;
  fromStack?: boolean;
  yes?: boolean;
}

function settingsFrom(app: InfraApp, flags: InfraFlags): InfraSettings {
  const d = app.DEFAULT_INFRA_SETTINGS;
  const settings: InfraSettings = {
    name: flags.name ?? d.name,
    database: flags.database ?? d.database,
    adminUsername: flags.adminUser ?? d.adminUsername,
    baseCapacity: flags.baseCapacity ?? d.baseCapacity,
    nodeType: flags.nodeType ?? d.nodeType,
    numberOfNodes: flags.nodes ?? d.numberOfNodes,
  };
  if (!/^[a-z][a-z0-9-]{2,62}$/.test(settings.name)) throw new ConfigError(`--name: "${settings.name}" must be 3-63 lowercase letters, digits or hyphens, starting with a letter`);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(settings.database)) throw new ConfigError(`--database: "${settings.database}" is not a valid Redshift database name`);
  if (!/^[a-z_][a-z0-9_]{0,126}$/.test(settings.adminUsername)) throw new ConfigError(`--admin-user: "${settings.adminUsername}" is not a valid Redshift user name`);
  if (settings.baseCapacity < 8 || settings.baseCapacity % 8 !== 0) throw new ConfigError(`--base-capacity: ${settings.baseCapacity} RPUs; Redshift Serverless takes 8 to 512 in steps of 8`);
  if (flags.vpcId || flags.subnetIds || flags.securityGroupId) {
    if (!flags.vpcId || !flags.subnetIds) throw new ConfigError('--vpc-id and --subnet-ids go together (add --security-group-id to reuse a security group too)');
    const subnetIds = flags.subnetIds.split(',').map((s) => s.trim()).filter(Boolean);
    if (subnetIds.length < 3) throw new ConfigError(`--subnet-ids: give at least three subnets in different availability zones (Redshift Serverless needs three), got ${subnetIds.length}`);
    // AWS's ids, as CloudFormation checks them: a name or a typo got through synth with a warning
    // only, and failed the deploy.
    awsIdOption('--vpc-id', 'vpc', flags.vpcId);
    for (const id of subnetIds) awsIdOption('--subnet-ids', 'subnet', id);
    if (flags.securityGroupId !== undefined) awsIdOption('--security-group-id', 'sg', flags.securityGroupId);
    settings.network = { vpcId: flags.vpcId, subnetIds, securityGroupId: flags.securityGroupId };
  }
  return settings;
}

/** An id AWS gives (`vpc-0123abcd`, `subnet-…`, `sg-…`: the kind, a hyphen, 8 or more hex digits), or a ConfigError naming the flag. */
function awsIdOption(flag: string, kind: string, id: string): void {
  if (!new RegExp(`^${kind}-[0-9a-fA-F]{8,}$`).test(id)) throw new ConfigError(`${flag}: "${id}" is not an AWS ${kind} id (${kind}- and 8 or more hexadecimal digits, as ${kind}-0123456789abcdef0)`);
}

function synth(app: InfraApp, flags: InfraFlags): { directory: string; templates: Record<string, string>; settings: InfraSettings } {
  const settings = settingsFrom(app, flags);
  const outdir = path.resolve(flags.out);
  const result = app.synthesize(settings, outdir);
  return { ...result, settings };
}

/** Runs the CDK CLI on the synthesized assembly; resolves with its exit code. */
function runCdk(args: string[]): Promise<number> {
  const child = spawn(process.execPath, [cdkCliPath(), ...args], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** deploy and destroy: credentials, region and `cdk bootstrap` first, said plainly. */
async function preflight(action: string): Promise<string> {
  const region = await resolveAwsRegion();
  if (!region) throw new ConfigError(`${action} needs an AWS region: set AWS_REGION (or a region in your AWS profile)`);
  const identity = await checkAwsCredentials();
  if (!identity.ok) throw new ConfigError(`${action} needs AWS credentials that work: ${identity.detail}. Fix: ${identity.fix}`);
  print(`AWS: ${identity.arn} in ${region}`);
  const client = new CloudFormationClient({ region });
  try {
    await client.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
  } catch (err) {
    const e = err as Error;
    if (/does not exist/i.test(e.message)) {
      throw new ConfigError(
        `${action}: account ${identity.account} in ${region} is not bootstrapped for CDK (no CDKToolkit stack). ` +
          `Run once per account and region: npx cdk bootstrap aws://${identity.account}/${region}`,
      );
    }
    throw new ConfigError(`${action}: could not check for the CDKToolkit stack (cdk bootstrap) in ${region}: ${e.name}: ${e.message}`);
  } finally {
    client.destroy();
  }
  return region;
}

async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new ConfigError(`${question.split('\n')[0]} Not a terminal: add --yes to go ahead`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question}\nType yes to go ahead: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new ConfigError('stopped: nothing was changed');
  } finally {
    rl.close();
  }
}

const DEFAULT_OUT = 'infra/cdk.out';
const DEFAULT_OUTPUTS_FILE = '.sparkify/infra-outputs.json';

export function registerInfraCommands(program: Command): void {
  const infra = program
    .command('infra')
    .description('The Redshift side as code (AWS CDK): synth | diff | deploy | destroy | outputs');

  const withSettings = (command: Command): Command =>
    command
      .option('--out <dir>', 'cloud assembly directory', DEFAULT_OUT)
      .option('--name <name>', 'name of the namespace/workgroup/cluster and prefix of the stack names (default sparkify)')
      .option('--database <db>', 'database to create (default sparkify)')
      .option('--admin-user <user>', 'admin user (default sparkify_admin); its password is generated, never in the template')
      .option('--base-capacity <rpu>', 'Serverless base capacity in RPUs (default 8)', positiveInt('--base-capacity'))
      .option('--node-type <type>', 'provisioned node type (default ra3.large)')
      .option('--nodes <n>', 'provisioned node count (default 1: single-node)', positiveInt('--nodes'))
      .option('--vpc-id <id>', 'reuse this VPC (with --subnet-ids) instead of creating one')
      .option('--subnet-ids <a,b,c>', 'subnets of the reused VPC, in three availability zones')
      .option('--security-group-id <id>', 'reuse this security group');

  withSettings(infra.command('synth'))
    .description('Write both CloudFormation templates (Serverless and provisioned) to the cloud assembly; offline, no AWS account')
    .action((flags: InfraFlags) => {
      const app = loadInfraApp();
      const { directory, templates } = synth(app, flags);
      print(`Synthesized the CDK app to ${path.relative(process.cwd(), directory) || '.'}:`);
      for (const [stack, file] of Object.entries(templates)) print(`  ${stack}: ${path.relative(process.cwd(), file)}`);
      print('Nothing was deployed. Next: sparkify infra deploy --source s3://bucket/prefix [--provisioned]');
    });

  const stackCommand = (name: string, description: string): Command =>
    withSettings(infra.command(name))
      .description(description)
      .option('--provisioned', 'the provisioned-cluster stack (default: Redshift Serverless)');

  stackCommand('diff', 'Show what a deploy would change (needs AWS credentials)')
    .option('--source <s3://bucket/prefix>', 'the source the stack is deployed for (SourceBucket and SourcePrefix parameters)')
    .action(async (flags: InfraFlags) => {
      const app = loadInfraApp();
      const { directory, settings } = synth(app, flags);
      const stack = app.stackName(settings, flags.provisioned ? 'provisioned' : 'serverless');
      print(`Comparing ${stack} (synthesized to ${directory}) with what is deployed …`);
      const code = await runCdk(['diff', '--app', directory, stack, ...parameterArgs(stack, flags)]);
      if (code !== 0) throw new Error(`cdk diff exited with ${code}`);
    });

  stackCommand('deploy', 'Create or update the warehouse stack (needs AWS credentials and `cdk bootstrap`)')
    .requiredOption('--source <s3://bucket/prefix>', 'where the raw data is: the COPY role may read only there')
    .option('--staging-folder <folder/>', 'folder under the source prefix for manifests (default _sparkify-etl/)')
    .option('--outputs-file <file>', 'where to write the stack outputs', DEFAULT_OUTPUTS_FILE)
    .option('--yes', 'do not ask before IAM changes')
    .action(async (flags: InfraFlags) => {
      // Credentials first: without them the user learns it before the (slow) synthesis.
      await preflight('deploy');
      const app = loadInfraApp();
      const { directory, settings } = synth(app, flags);
      const mode = flags.provisioned ? 'provisioned' : 'serverless';
      const stack = app.stackName(settings, mode);
      const parameters = parameterArgs(stack, flags);
      print(
        `Deploying ${stack}: Redshift ${mode === 'serverless' ? `Serverless namespace and workgroup "${settings.name}" (${settings.baseCapacity} RPUs base)` : `cluster "${settings.name}" (${settings.numberOfNodes} × ${settings.nodeType})`}, ` +
          `the COPY role ${settings.name}-redshift-copy, the worker policy ${settings.name}-etl-worker, ` +
          `${settings.network ? `in VPC ${settings.network.vpcId}` : 'a new VPC (isolated subnets, S3 gateway endpoint, no NAT)'}. This costs money while it runs: see docs/infrastructure.md.`,
      );
      fs.mkdirSync(path.dirname(path.resolve(flags.outputsFile!)), { recursive: true });
      const code = await runCdk([
        'deploy', '--app', directory, stack, ...parameters,
        '--outputs-file', path.resolve(flags.outputsFile!),
        ...(flags.yes ? ['--require-approval', 'never'] : []),
      ]);
      if (code !== 0) throw new Error(`cdk deploy exited with ${code}`);
      print(`Outputs written to ${flags.outputsFile}. Next: sparkify infra outputs${flags.provisioned ? ' --provisioned' : ''}`);
    });

  stackCommand('destroy', 'Delete the warehouse stack; the data stays (namespace retained, cluster snapshotted)')
    .option('--yes', 'do not ask')
    .action(async (flags: InfraFlags) => {
      await preflight('destroy');
      const app = loadInfraApp();
      const { directory, settings } = synth(app, flags);
      const mode = flags.provisioned ? 'provisioned' : 'serverless';
      const stack = app.stackName(settings, mode);
      const kept =
        mode === 'serverless'
          ? `KEPT: the namespace "${settings.name}" with its data and the admin secret ${settings.name}-warehouse-admin (retained; it still costs storage). ` +
            `Delete them yourself when the data is no longer needed: aws redshift-serverless delete-namespace --namespace-name ${settings.name} --final-snapshot-name <name>`
          : `SNAPSHOT: the cluster "${settings.name}" is deleted after a final snapshot (the snapshot costs storage until you delete it)`;
      await confirm(
        `This deletes stack ${stack}: the ${mode === 'serverless' ? 'workgroup' : 'cluster'}, the COPY role (COPY stops working), the worker policy, the security group and the VPC it created.\n${kept}`,
        flags.yes,
      );
      const code = await runCdk(['destroy', '--app', directory, stack, '--force']);
      if (code !== 0) throw new Error(`cdk destroy exited with ${code}`);
    });

  infra
    .command('outputs')
    .description('Print the warehouse URI, source and COPY role of a deployed stack, ready for sparkify run / worker')
    .option('--provisioned', 'the provisioned-cluster stack (default: Redshift Serverless)')
    .option('--name <name>', 'the --name it was deployed with (default sparkify)', 'sparkify')
    .option('--outputs-file <file>', 'the file `sparkify infra deploy` wrote', DEFAULT_OUTPUTS_FILE)
    .option('--from-stack', 'read the outputs from the deployed stack (CloudFormation) instead of the file')
    .option('--json', 'print one JSON object')
    .action(async (flags: InfraFlags & { json?: boolean }) => {
      const stack = `${flags.name}-warehouse-${flags.provisioned ? 'provisioned' : 'serverless'}`;
      const outputs = flags.fromStack ? await outputsFromStack(stack) : readOutputsFile(flags.outputsFile!, stack);
      const w = warehouseFromOutputs(outputs, flags.fromStack ? `stack ${stack}` : flags.outputsFile!);
      if (flags.json) {
        print(JSON.stringify({ stack, warehouse: w.uri, source: w.source, copyRoleArn: w.copyRoleArn, workerPolicyArn: w.workerPolicyArn, region: w.region }));
        return;
      }
      print(`SPARKIFY_WAREHOUSE='${w.uri}'`);
      print(`SPARKIFY_SOURCE='${w.source}'`);
      print(`AWS_REGION=${w.region}`);
      print(`# COPY role: ${w.copyRoleArn}`);
      print(`# Attach ${w.workerPolicyArn} to the worker's role or user, then:`);
      print(`#   sparkify run --source '${w.source}' --warehouse '${w.uri}' --date YYYY-MM-DD`);
    });
}

function parameterArgs(stack: string, flags: InfraFlags): string[] {
  if (!flags.source) return [];
  const source = parseSourceUri(flags.source);
  if (source.kind !== 's3') throw new ConfigError(`--source: the warehouse stack needs an s3://bucket/prefix source, got ${flags.source}`);
  const args = ['--parameters', `${stack}:SourceBucket=${source.bucket}`, '--parameters', `${stack}:SourcePrefix=${source.prefix}`];
  if (flags.stagingFolder) {
    const folder = flags.stagingFolder.endsWith('/') ? flags.stagingFolder : `${flags.stagingFolder}/`;
    args.push('--parameters', `${stack}:StagingFolder=${folder}`);
  }
  return args;
}
