/** What can be chosen when the stacks are synthesized (the source bucket and prefix are deploy-time parameters). */
export interface InfraSettings {
  /** Prefix of physical names (namespace, workgroup, cluster, role) and of the stack names. */
  name: string;
  /** Database created in the warehouse. */
  database: string;
  /** The warehouse's admin user; its password is generated and kept in Secrets Manager. */
  adminUsername: string;
  /** Serverless: base capacity in Redshift Processing Units. */
  baseCapacity: number;
  /** Provisioned: node type and count (1 = single-node). */
  nodeType: string;
  numberOfNodes: number;
  /** An existing network to use; without it, each stack creates a VPC with isolated subnets. */
  network?: { vpcId: string; subnetIds: string[]; securityGroupId?: string };
}

export const DEFAULT_INFRA_SETTINGS: InfraSettings = {
  name: 'sparkify',
  database: 'sparkify',
  adminUsername: 'sparkify_admin',
  baseCapacity: 8,
  nodeType: 'ra3.large',
  numberOfNodes: 1,
};

export type WarehouseMode = 'serverless' | 'provisioned';
export const WAREHOUSE_MODES: readonly WarehouseMode[] = ['serverless', 'provisioned'];

export function stackName(settings: Pick<InfraSettings, 'name'>, mode: WarehouseMode): string {
  return `${settings.name}-warehouse-${mode}`;
}

/** Names of the stacks' outputs; `sparkify infra outputs` reads them. */
export const OUTPUT = {
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

/** Names of the deploy-time CloudFormation parameters. */
export const PARAMETER = {
  sourceBucket: 'SourceBucket',
  sourcePrefix: 'SourcePrefix',
  stagingFolder: 'StagingFolder',
} as const;
