/**
 * The two IAM policies the pipeline needs, in one place: the CDK stack attaches them, and
 * docs/redshift.md shows them rendered with example names (a test keeps the two identical).
 * Plain JSON in, plain JSON out, so CDK tokens and literal example values both work.
 */

export const REDSHIFT_SERVICE_PRINCIPAL = 'redshift.amazonaws.com';

export interface PolicyJson {
  Version: '2012-10-17';
  Statement: StatementJson[];
}

export interface StatementJson {
  Sid?: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Where the warehouse is and how the worker authenticates to it through the Data API. */
export type WorkerAccess =
  | { kind: 'cluster'; clusterIdentifier: string; auth: { kind: 'dbUser'; dbUser: string; database: string } | { kind: 'secret'; secretArn: string } }
  | { kind: 'workgroup'; workgroupArn: string; auth: { kind: 'iam' } | { kind: 'secret'; secretArn: string } };

export interface PolicyScope {
  partition: string;
  region: string;
  account: string;
  /** The source bucket. */
  bucket: string;
  /** The source prefix inside it, '' or ending in '/': log_data/ and song_data/ are under it. */
  sourcePrefix: string;
  /** Where the worker writes manifests and JSONPaths files (same bucket), ending in '/'. */
  stagingPrefix: string;
}

const DATA_FOLDERS = ['log_data/', 'song_data/'];

function s3Object(scope: PolicyScope, keyPattern: string): string {
  return `arn:${scope.partition}:s3:::${scope.bucket}/${keyPattern}`;
}

/** The worker: submit statements to one warehouse, read its own results, list the source, write manifests. */
export function workerPolicy(scope: PolicyScope, access: WorkerAccess): PolicyJson {
  const { partition, region, account } = scope;
  const warehouseArn =
    access.kind === 'cluster' ? `arn:${partition}:redshift:${region}:${account}:cluster:${access.clusterIdentifier}` : access.workgroupArn;
  const statements: StatementJson[] = [
    {
      Sid: 'SubmitStatements',
      Effect: 'Allow',
      Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
      Resource: [warehouseArn],
    },
    {
      Sid: 'OwnStatementsOnly',
      Effect: 'Allow',
      Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement'],
      Resource: '*',
      Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
    },
  ];
  const auth = access.auth;
  if (auth.kind === 'dbUser' && access.kind === 'cluster') {
    statements.push({
      Sid: 'DbUserCredentials',
      Effect: 'Allow',
      Action: 'redshift:GetClusterCredentials',
      Resource: [
        `arn:${partition}:redshift:${region}:${account}:dbuser:${access.clusterIdentifier}/${auth.dbUser}`,
        `arn:${partition}:redshift:${region}:${account}:dbname:${access.clusterIdentifier}/${auth.database}`,
      ],
    });
  } else if (auth.kind === 'iam') {
    statements.push({ Sid: 'WorkgroupCredentials', Effect: 'Allow', Action: 'redshift-serverless:GetCredentials', Resource: [warehouseArn] });
  } else if (auth.kind === 'secret') {
    statements.push({ Sid: 'WarehouseSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [auth.secretArn] });
  }
  statements.push(
    {
      Sid: 'ListAndReadSource',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: `arn:${partition}:s3:::${scope.bucket}`,
      Condition: { StringLike: { 's3:prefix': DATA_FOLDERS.map((folder) => `${scope.sourcePrefix}${folder}*`) } },
    },
    // A manifest past 8 MiB goes up in parts (src/source/s3TextObject.ts): PutObject covers the
    // parts; a failed upload is aborted, so that none are left behind.
    { Sid: 'WriteManifests', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: s3Object(scope, `${scope.stagingPrefix}*`) },
  );
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The COPY role Redshift assumes: read the data folders and the staging prefix (COPY reads the
 * manifest and JSONPaths objects there), write only under the staging prefix. COPY reads exactly
 * the files a manifest lists, so no s3:ListBucket.
 */
export function copyRolePolicy(scope: PolicyScope): PolicyJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadSourceAndStaging',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [...DATA_FOLDERS.map((folder) => s3Object(scope, `${scope.sourcePrefix}${folder}*`)), s3Object(scope, `${scope.stagingPrefix}*`)],
      },
      { Sid: 'WriteStagingOnly', Effect: 'Allow', Action: 's3:PutObject', Resource: s3Object(scope, `${scope.stagingPrefix}*`) },
    ],
  };
}
