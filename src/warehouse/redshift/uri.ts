import { ConfigError } from '../../errors';

/** Where the statements go: a provisioned cluster or a Serverless workgroup. */
export type RedshiftTarget =
  | { kind: 'cluster'; clusterIdentifier: string; dbUser?: string; secretArn?: string }
  | { kind: 'workgroup'; workgroupName: string; secretArn?: string };

export interface RedshiftSettings {
  target: RedshiftTarget;
  database: string;
  /** The Data API's region; unset means the AWS SDK's default (AWS_REGION, profile). */
  region?: string;
  /** Data API endpoint override (VPC endpoint, or a local emulator). */
  endpoint?: string;
  /** COPY's IAM_ROLE: a role ARN, or `default` (the cluster's default role). */
  iamRole: string;
  /** COPY's MAXERROR: bad records tolerated per COPY before it fails. */
  maxError: number;
  /** COPY's REGION, for a data bucket in another region than the cluster. */
  s3Region?: string;
  /** s3://bucket/prefix/ where the run's manifests and the JSONPaths file are written. */
  staging?: string;
}

const PARAMETERS = ['dbUser', 'secretArn', 'region', 'endpoint', 'iamRole', 'maxError', 's3Region', 'staging'] as const;
type Parameter = (typeof PARAMETERS)[number];

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * `redshift-data://cluster/<ClusterIdentifier>/<Database>?dbUser=…` (or `secretArn=…`), or
 * `redshift-data://workgroup/<WorkgroupName>/<Database>[?secretArn=…]`, plus the optional
 * parameters of RedshiftSettings. docs/redshift.md describes every one.
 */
export function parseRedshiftUri(uri: string, setting = '--warehouse'): RedshiftSettings {
  const fail = (what: string): never => {
    throw new ConfigError(`${setting}: ${what} (e.g. redshift-data://cluster/my-cluster/dev?dbUser=etl&iamRole=default)`);
  };
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    return fail(`"${uri}" is not a valid redshift-data:// URI`);
  }
  const kind = url.hostname;
  const [name, database, ...extra] = url.pathname.replace(/^\//, '').split('/').map(decodeURIComponent);
  if (kind !== 'cluster' && kind !== 'workgroup') fail(`redshift-data://${kind}/…: the first part must be "cluster" or "workgroup"`);
  if (!name) fail(`the ${kind} name is missing: redshift-data://${kind}/<name>/<database>`);
  if (!database) fail(`the database is missing: redshift-data://${kind}/${name}/<database>`);
  if (extra.length > 0) fail(`unexpected path after the database: /${extra.join('/')}`);

  const params: Partial<Record<Parameter, string>> = {};
  for (const [key, value] of url.searchParams) {
    if (!(PARAMETERS as readonly string[]).includes(key)) fail(`unknown parameter "${key}"; known: ${PARAMETERS.join(', ')}`);
    if (value.trim() === '') fail(`parameter "${key}" is empty`);
    params[key as Parameter] = value.trim();
  }
  const { dbUser, secretArn } = params;
  if (secretArn !== undefined && !SECRET_ARN.test(secretArn)) fail(`parameter "secretArn" is not a Secrets Manager secret ARN: ${secretArn}`);
  let target: RedshiftTarget;
  if (kind === 'cluster') {
    if ((dbUser === undefined) === (secretArn === undefined)) fail('a cluster needs exactly one of the parameters "dbUser" and "secretArn"');
    target = { kind: 'cluster', clusterIdentifier: name, dbUser, secretArn };
  } else {
    if (dbUser !== undefined) fail('parameter "dbUser" is for clusters; a workgroup uses your IAM identity or "secretArn"');
    target = { kind: 'workgroup', workgroupName: name, secretArn };
  }
  if (params.region !== undefined && !REGION.test(params.region)) fail(`parameter "region" is not an AWS region: ${params.region}`);
  if (params.s3Region !== undefined && !REGION.test(params.s3Region)) fail(`parameter "s3Region" is not an AWS region: ${params.s3Region}`);
  if (params.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(params.endpoint)) fail(`parameter "endpoint" is not an http(s) URL: ${params.endpoint}`);
  const iamRole = params.iamRole ?? 'default';
  if (iamRole !== 'default' && !ROLE_ARN.test(iamRole)) fail(`parameter "iamRole" must be an IAM role ARN or "default": ${iamRole}`);
  let maxError = 0;
  if (params.maxError !== undefined) {
    if (!/^\d+$/.test(params.maxError) || Number(params.maxError) > 100_000) fail(`parameter "maxError" must be a whole number from 0 to 100000: ${params.maxError}`);
    maxError = Number(params.maxError);
  }
  let staging = params.staging;
  if (staging !== undefined) {
    if (!/^s3:\/\/[^/]+/.test(staging)) fail(`parameter "staging" must be an s3://bucket/prefix/ URL: ${staging}`);
    if (!staging.endsWith('/')) staging += '/';
  }
  return { target, database, region: params.region, endpoint: params.endpoint, iamRole, maxError, s3Region: params.s3Region, staging };
}

/** The warehouse as messages name it: its redshift-data:// URI without the query (no secrets, no endpoint). */
export function describeRedshiftTarget(settings: RedshiftSettings): string {
  const t = settings.target;
  const where = t.kind === 'cluster' ? `cluster/${t.clusterIdentifier}` : `workgroup/${t.workgroupName}`;
  return `redshift-data://${where}/${settings.database}`;
}
