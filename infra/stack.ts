import {
  Aws,
  CfnOutput,
  CfnParameter,
  Fn,
  RemovalPolicy,
  Stack,
  aws_ec2 as ec2,
  aws_iam as iam,
  aws_redshift as redshift,
  aws_redshiftserverless as serverless,
  aws_secretsmanager as secretsmanager,
  type StackProps,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { copyRolePolicy, REDSHIFT_SERVICE_PRINCIPAL, workerPolicy, type PolicyScope, type WorkerAccess } from './policies';
import { OUTPUT, PARAMETER, type InfraSettings, type WarehouseMode } from './settings';

export interface WarehouseStackProps extends StackProps {
  mode: WarehouseMode;
  settings: InfraSettings;
}

interface Network {
  subnetIds: string[];
  securityGroupIds: string[];
}

/**
 * Redshift for the pipeline: the warehouse (Serverless namespace + workgroup, or a provisioned
 * cluster), the COPY role, the admin secret, the worker's policy and the network, with outputs
 * that `sparkify infra outputs` turns into a warehouse URI. What holds data is retained (namespace)
 * or snapshotted (cluster) on delete; everything else is destroyed.
 */
export class WarehouseStack extends Stack {
  constructor(scope: Construct, id: string, props: WarehouseStackProps) {
    super(scope, id, props);
    const { mode, settings } = props;

    const bucket = new CfnParameter(this, PARAMETER.sourceBucket, {
      type: 'String',
      description: 'S3 bucket with the raw data (log_data/ and song_data/ under SourcePrefix)',
      allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      constraintDescription: 'an S3 bucket name',
    }).valueAsString;
    const sourcePrefix = new CfnParameter(this, PARAMETER.sourcePrefix, {
      type: 'String',
      default: '',
      description: "Prefix in the bucket that holds log_data/ and song_data/: '' or ending in '/'",
      allowedPattern: '^$|^[^/].*/$',
      constraintDescription: "empty, or a prefix that ends with '/' and does not start with one",
    }).valueAsString;
    const stagingFolder = new CfnParameter(this, PARAMETER.stagingFolder, {
      type: 'String',
      default: '_sparkify-etl/',
      description: 'Folder under SourcePrefix where the worker writes COPY manifests and JSONPaths files',
      allowedPattern: '^[^/].*/$',
      constraintDescription: "a folder name ending in '/'",
    }).valueAsString;
    const stagingPrefix = Fn.join('', [sourcePrefix, stagingFolder]);
    const scope_: PolicyScope = { partition: Aws.PARTITION, region: Aws.REGION, account: Aws.ACCOUNT_ID, bucket, sourcePrefix, stagingPrefix };

    const copyRole = new iam.Role(this, 'CopyRole', {
      roleName: `${settings.name}-redshift-copy`,
      description: 'Assumed by Redshift for the pipeline COPY: reads the source prefix, writes only the staging prefix',
      assumedBy: new iam.ServicePrincipal(REDSHIFT_SERVICE_PRINCIPAL),
      inlinePolicies: { 'copy-from-source': iam.PolicyDocument.fromJson(copyRolePolicy(scope_)) },
    });
    copyRole.applyRemovalPolicy(RemovalPolicy.DESTROY);

    const network = this.network(settings);
    let access: WorkerAccess;
    if (mode === 'serverless') {
      // Secrets Manager generates the admin password; the template holds only a dynamic reference.
      const secret = new secretsmanager.Secret(this, 'AdminSecret', {
        secretName: `${settings.name}-warehouse-admin`,
        description: `Admin user of the ${settings.name} Redshift Serverless namespace`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: settings.adminUsername }),
          generateStringKey: 'password',
          passwordLength: 32,
          excludePunctuation: true,
          requireEachIncludedType: true,
        },
      });
      // The namespace is retained on delete, so its admin secret is too.
      secret.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const namespace = new serverless.CfnNamespace(this, 'Namespace', {
        namespaceName: settings.name,
        dbName: settings.database,
        adminUsername: settings.adminUsername,
        adminUserPassword: secret.secretValueFromJson('password').unsafeUnwrap(),
        iamRoles: [copyRole.roleArn],
        defaultIamRoleArn: copyRole.roleArn,
      });
      // Holds the data: a stack delete leaves it (and its snapshots) in place.
      namespace.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const workgroup = new serverless.CfnWorkgroup(this, 'Workgroup', {
        workgroupName: settings.name,
        namespaceName: namespace.attrNamespaceNamespaceName,
        baseCapacity: settings.baseCapacity,
        publiclyAccessible: false,
        subnetIds: network.subnetIds,
        securityGroupIds: network.securityGroupIds,
      });
      workgroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
      access = { kind: 'workgroup', workgroupArn: workgroup.attrWorkgroupWorkgroupArn, auth: { kind: 'secret', secretArn: secret.secretArn } };
      new CfnOutput(this, OUTPUT.workgroupName, { value: workgroup.attrWorkgroupWorkgroupName, description: 'Redshift Serverless workgroup' });
      new CfnOutput(this, OUTPUT.secretArn, { value: secret.secretArn, description: 'Secret with the admin username and password (for the Data API)' });
    } else {
      const subnetGroup = new redshift.CfnClusterSubnetGroup(this, 'SubnetGroup', {
        description: `Subnets of the ${settings.name} Redshift cluster`,
        subnetIds: network.subnetIds,
      });
      subnetGroup.applyRemovalPolicy(RemovalPolicy.DESTROY);
      const cluster = new redshift.CfnCluster(this, 'Cluster', {
        clusterIdentifier: settings.name,
        clusterType: settings.numberOfNodes > 1 ? 'multi-node' : 'single-node',
        numberOfNodes: settings.numberOfNodes > 1 ? settings.numberOfNodes : undefined,
        nodeType: settings.nodeType,
        dbName: settings.database,
        masterUsername: settings.adminUsername,
        // Redshift generates the password and keeps it in a secret it manages.
        manageMasterPassword: true,
        encrypted: true,
        publiclyAccessible: false,
        clusterSubnetGroupName: subnetGroup.ref,
        vpcSecurityGroupIds: network.securityGroupIds,
        iamRoles: [copyRole.roleArn],
      });
      // Holds the data: a stack delete takes a final snapshot first.
      cluster.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
      access = { kind: 'cluster', clusterIdentifier: cluster.ref, auth: { kind: 'secret', secretArn: cluster.attrMasterPasswordSecretArn } };
      new CfnOutput(this, OUTPUT.clusterIdentifier, { value: cluster.ref, description: 'Redshift cluster identifier' });
      new CfnOutput(this, OUTPUT.secretArn, { value: cluster.attrMasterPasswordSecretArn, description: 'Redshift-managed secret with the admin password (for the Data API)' });
    }

    const worker = new iam.ManagedPolicy(this, 'WorkerPolicy', {
      managedPolicyName: `${settings.name}-etl-worker`,
      description: 'Least privilege for the sparkify-etl worker: Data API on this warehouse, its secret, list the source, write manifests',
      document: iam.PolicyDocument.fromJson(workerPolicy(scope_, access)),
    });
    worker.applyRemovalPolicy(RemovalPolicy.DESTROY);

    new CfnOutput(this, OUTPUT.mode, { value: mode });
    new CfnOutput(this, OUTPUT.region, { value: Aws.REGION });
    new CfnOutput(this, OUTPUT.database, { value: settings.database });
    new CfnOutput(this, OUTPUT.copyRoleArn, { value: copyRole.roleArn, description: 'COPY IAM_ROLE (iamRole= in the warehouse URI)' });
    new CfnOutput(this, OUTPUT.workerPolicyArn, { value: worker.managedPolicyArn, description: "Attach to the worker's role or user" });
    new CfnOutput(this, OUTPUT.source, { value: Fn.join('', ['s3://', bucket, '/', sourcePrefix]) });
    new CfnOutput(this, OUTPUT.staging, { value: Fn.join('', ['s3://', bucket, '/', stagingPrefix]) });
  }

  /** Env-agnostic stacks get two AZs from CDK; Redshift Serverless wants subnets in three. */
  override get availabilityZones(): string[] {
    return [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
  }

  private network(settings: InfraSettings): Network {
    if (settings.network) {
      const { vpcId, subnetIds, securityGroupId } = settings.network;
      if (securityGroupId) return { subnetIds, securityGroupIds: [securityGroupId] };
      const vpc = ec2.Vpc.fromVpcAttributes(this, 'ExistingVpc', { vpcId, availabilityZones: this.availabilityZones });
      const group = this.securityGroup(vpc, settings);
      return { subnetIds, securityGroupIds: [group.securityGroupId] };
    }
    // No NAT and no internet gateway: the Data API needs no route into the VPC, and COPY reaches S3
    // through the gateway endpoint (free).
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 3,
      natGateways: 0,
      subnetConfiguration: [{ name: 'warehouse', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    vpc.applyRemovalPolicy(RemovalPolicy.DESTROY);
    const group = this.securityGroup(vpc, settings);
    return { subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId), securityGroupIds: [group.securityGroupId] };
  }

  private securityGroup(vpc: ec2.IVpc, settings: InfraSettings): ec2.SecurityGroup {
    // No inbound rule: the pipeline talks to Redshift only through the Data API.
    const group = new ec2.SecurityGroup(this, 'WarehouseSecurityGroup', {
      vpc,
      description: `${settings.name} Redshift: no inbound rules (the pipeline uses the Data API)`,
      allowAllOutbound: true,
    });
    group.applyRemovalPolicy(RemovalPolicy.DESTROY);
    return group;
  }
}
