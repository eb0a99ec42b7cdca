import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { GetNamespaceCommand, GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import type { SourceConfig } from '../config';
import { RedshiftWarehouse } from '../warehouse/redshift';
import type { RedshiftSettings } from '../warehouse/redshift/uri';
import { sqlStatement } from '../warehouse/sql';
import { classifyAwsError, describeAwsError } from './aws';
import { ok, problem, skipped, unchecked, type CheckResult } from './types';

const REDSHIFT_PRINCIPAL = 'redshift.amazonaws.com';
/** A Serverless workgroup may resume from idle first: allow it a minute. */
const PROBE_DEADLINE_MS = 60_000;

/** What describing the cluster or workgroup found; later checks use it. */
interface WarehouseFacts {
  name: string;
  status: string;
  available: boolean;
  /** Roles attached to the cluster or namespace. */
  roles: string[];
  defaultRole?: string;
}

type Described = { facts: WarehouseFacts } | { result: CheckResult };

function regionOf(settings: RedshiftSettings): { region?: string } {
  return settings.region ? { region: settings.region } : {};
}

/** The cluster or workgroup exists and is available. */
async function describeWarehouse(settings: RedshiftSettings): Promise<Described> {
  const title = 'warehouse available';
  const target = settings.target;
  if (target.kind === 'cluster') {
    const client = new RedshiftClient(regionOf(settings));
    try {
      const { Clusters } = await client.send(new DescribeClustersCommand({ ClusterIdentifier: target.clusterIdentifier }));
      const cluster = Clusters?.[0];
      if (!cluster) throw Object.assign(new Error(`cluster ${target.clusterIdentifier} not found`), { name: 'ClusterNotFoundFault' });
      const status = cluster.ClusterStatus ?? 'unknown';
      return {
        facts: {
          name: `cluster ${target.clusterIdentifier}`,
          status,
          available: status === 'available',
          roles: (cluster.IamRoles ?? []).map((r) => r.IamRoleArn ?? '').filter(Boolean),
          defaultRole: cluster.DefaultIamRoleArn,
        },
      };
    } catch (err) {
      return { result: describeFailure(err, `cluster ${target.clusterIdentifier}`, title, `aws redshift describe-clusters --region <region>`) };
    } finally {
      client.destroy();
    }
  }
  const client = new RedshiftServerlessClient(regionOf(settings));
  try {
    const { workgroup } = await client.send(new GetWorkgroupCommand({ workgroupName: target.workgroupName }));
    const status = workgroup?.status ?? 'unknown';
    const { namespace } = await client.send(new GetNamespaceCommand({ namespaceName: workgroup?.namespaceName ?? '' }));
    // The API lists a namespace's roles as "IamRole(applyStatus=in-sync, iamRoleArn=arn:…)".
    const roles = (namespace?.iamRoles ?? []).map((r) => /iamRoleArn=([^,)\s]+)/.exec(r)?.[1] ?? r);
    return {
      facts: {
        name: `workgroup ${target.workgroupName} (namespace ${workgroup?.namespaceName})`,
        status,
        available: status === 'AVAILABLE' && (namespace?.status ?? 'AVAILABLE') === 'AVAILABLE',
        roles,
        defaultRole: namespace?.defaultIamRoleArn,
      },
    };
  } catch (err) {
    return { result: describeFailure(err, `workgroup ${target.workgroupName}`, title, 'aws redshift-serverless list-workgroups --region <region>') };
  } finally {
    client.destroy();
  }
}

function describeFailure(err: unknown, what: string, title: string, listCommand: string): CheckResult {
  const kind = classifyAwsError(err);
  if (kind === 'notFound') {
    return problem('warehouse.available', title, `${what} not found (${describeAwsError(err)})`, `check the name in the warehouse URI and its region= (list them: ${listCommand}), or create it: sparkify infra deploy`);
  }
  if (kind === 'denied') {
    return problem('warehouse.available', title, `access denied describing ${what} (${describeAwsError(err)})`, 'allow redshift:DescribeClusters / redshift-serverless:GetWorkgroup and GetNamespace to the identity running the doctor');
  }
  return unchecked('warehouse.available', title, `could not describe ${what}: ${describeAwsError(err)}`, 'check the network path to the Redshift API and the region');
}

interface StatementDoc {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: string | { Service?: string | string[] };
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const parseDoc = (text: string | undefined): { Statement?: StatementDoc | StatementDoc[] } => JSON.parse(decodeURIComponent(text ?? '{}'));
const statements = (doc: { Statement?: StatementDoc | StatementDoc[] }): StatementDoc[] => (Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []);

function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.split('?').map((s) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&')).join('.')).join('.*')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

function trustsRedshift(doc: { Statement?: StatementDoc | StatementDoc[] }): boolean {
  return statements(doc).some((s) => {
    if (s.Effect !== 'Allow') return false;
    if (!asList(s.Action).some((a) => globMatch(a, 'sts:AssumeRole', true))) return false;
    const principal = s.Principal;
    if (principal === '*') return true;
    return typeof principal === 'object' && asList(principal.Service).includes(REDSHIFT_PRINCIPAL);
  });
}

/** Without IAM policy simulation: the role's own policies, Allow and Deny on action and resource (conditions not evaluated). */
async function evaluateRolePolicies(iam: IAMClient, roleName: string, action: string, resources: string[]): Promise<Record<string, boolean>> {
  const docs: { Statement?: StatementDoc | StatementDoc[] }[] = [];
  const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  for (const policyName of inline.PolicyNames ?? []) {
    const p = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    docs.push(parseDoc(p.PolicyDocument));
  }
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  for (const a of attached.AttachedPolicies ?? []) {
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: a.PolicyArn }));
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: a.PolicyArn, VersionId: policy.Policy?.DefaultVersionId }));
    docs.push(parseDoc(version.PolicyVersion?.Document));
  }
  const all = docs.flatMap(statements);
  const matches = (s: StatementDoc, resource: string) =>
    asList(s.Action).some((a) => globMatch(a, action, true)) && asList(s.Resource).some((r) => globMatch(r, resource));
  return Object.fromEntries(
    resources.map((r) => [r, all.some((s) => s.Effect === 'Allow' && matches(s, r)) && !all.some((s) => s.Effect === 'Deny' && matches(s, r))]),
  );
}

async function canRead(iam: IAMClient, roleArn: string, roleName: string, objects: string[]): Promise<{ allowed: Record<string, boolean>; how: string }> {
  try {
    const out = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: ['s3:GetObject'], ResourceArns: objects }));
    const allowed = Object.fromEntries(objects.map((o) => [o, (out.EvaluationResults ?? []).some((r) => r.EvalResourceName === o && r.EvalDecision === 'allowed')]));
    return { allowed, how: 'IAM policy simulation' };
  } catch {
    // Not everywhere (emulators, or no iam:SimulatePrincipalPolicy): read the role's policies instead.
    return { allowed: await evaluateRolePolicies(iam, roleName, 's3:GetObject', objects), how: "the role's policies (no IAM policy simulation available)" };
  }
}

/**
 * The COPY role (exists, trusts Redshift, attached, can read the source), then the warehouse
 * (available, answers SELECT 1 through the Data API), in that order.
 */
export async function checkRedshift(settings: RedshiftSettings, source: SourceConfig | undefined, sampleLogKey: string | undefined): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const described = await describeWarehouse(settings);
  const facts = 'facts' in described ? described.facts : undefined;

  // COPY role
  let roleArn: string | undefined = settings.iamRole === 'default' ? facts?.defaultRole : settings.iamRole;
  const roleTitle = 'COPY role exists';
  if (!roleArn) {
    if (!facts) results.push(unchecked('copyRole.exists', roleTitle, 'iamRole=default: the default role is unknown until the warehouse can be described (see below)'));
    else results.push(problem('copyRole.exists', roleTitle, `iamRole=default, but ${facts.name} has no default IAM role`, 'set iamRole=<role ARN> in the warehouse URI, or make the COPY role the default (sparkify infra deploy does)'));
  }
  const iam = new IAMClient({});
  try {
    if (roleArn) {
      const roleName = roleArn.split('/').pop()!;
      let trustDoc: string | undefined;
      try {
        const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
        trustDoc = Role?.AssumeRolePolicyDocument;
        results.push(ok('copyRole.exists', roleTitle, roleArn));
      } catch (err) {
        const kind = classifyAwsError(err);
        if (kind === 'notFound') results.push(problem('copyRole.exists', roleTitle, `missing role: ${roleArn} does not exist`, 'create it (sparkify infra deploy creates <name>-redshift-copy), or fix iamRole= in the warehouse URI'));
        else if (kind === 'denied') results.push(unchecked('copyRole.exists', roleTitle, `access denied reading ${roleArn} (${describeAwsError(err)})`, 'run the doctor as an identity with iam:GetRole, or check the role in the IAM console'));
        else results.push(unchecked('copyRole.exists', roleTitle, `could not read ${roleArn}: ${describeAwsError(err)}`));
        roleArn = undefined;
      }
      if (roleArn) {
        if (trustsRedshift(parseDoc(trustDoc))) results.push(ok('copyRole.trust', 'COPY role trusts Redshift', `${REDSHIFT_PRINCIPAL} may assume it`));
        else {
          results.push(
            problem(
              'copyRole.trust',
              'COPY role trusts Redshift',
              `wrong trust: ${roleName}'s trust policy does not let ${REDSHIFT_PRINCIPAL} assume it`,
              `set its trust policy to Allow sts:AssumeRole for Principal {"Service": "${REDSHIFT_PRINCIPAL}"}: aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json`,
            ),
          );
        }
        if (!facts) results.push(unchecked('copyRole.attached', 'COPY role attached', 'the warehouse could not be described (see below)'));
        else if (facts.roles.includes(roleArn)) results.push(ok('copyRole.attached', 'COPY role attached', `attached to ${facts.name}`));
        else {
          const attach =
            settings.target.kind === 'cluster'
              ? `aws redshift modify-cluster-iam-roles --cluster-identifier ${settings.target.clusterIdentifier} --add-iam-roles ${roleArn}`
              : `aws redshift-serverless update-namespace --namespace-name <namespace> --iam-roles ${roleArn} (plus the roles already attached)`;
          results.push(problem('copyRole.attached', 'COPY role attached', `${roleName} is not attached to ${facts.name} (attached: ${facts.roles.join(', ') || 'none'})`, attach));
        }
        if (source?.kind === 's3') {
          const objects = [sampleLogKey ?? `${source.prefix}log_data/probe.json`].map((k) => `arn:aws:s3:::${source.bucket}/${k}`);
          try {
            const { allowed, how } = await canRead(iam, roleArn, roleName, objects);
            const denied = objects.filter((o) => !allowed[o]);
            if (denied.length === 0) results.push(ok('copyRole.canRead', 'COPY role can read the source', `s3:GetObject allowed on ${objects[0]} (by ${how})`));
            else {
              results.push(
                problem(
                  'copyRole.canRead',
                  'COPY role can read the source',
                  `access denied: ${roleName} may not s3:GetObject ${denied[0]} (by ${how})`,
                  `allow s3:GetObject on arn:aws:s3:::${source.bucket}/${source.prefix}log_data/*, …/song_data/* and the staging prefix (the COPY role policy in infra/policies.ts)`,
                ),
              );
            }
          } catch (err) {
            results.push(unchecked('copyRole.canRead', 'COPY role can read the source', `could not read ${roleName}'s policies: ${describeAwsError(err)}`));
          }
        } else {
          results.push(skipped('copyRole.canRead', 'COPY role can read the source', 'the source is not on S3: the worker loads it, COPY is not used'));
        }
      }
    }
  } finally {
    iam.destroy();
  }

  // Warehouse
  if ('result' in described) {
    results.push(described.result);
    results.push(unchecked('warehouse.query', 'warehouse answers SELECT 1', 'the warehouse could not be described'));
    return results;
  }
  if (!facts!.available) {
    const resume =
      settings.target.kind === 'cluster'
        ? facts!.status === 'paused'
          ? `resume it: aws redshift resume-cluster --cluster-identifier ${settings.target.clusterIdentifier}`
          : 'wait until it is available (aws redshift wait cluster-available), or see its events in the console'
        : 'wait until the workgroup and namespace are AVAILABLE, or see them in the console';
    results.push(problem('warehouse.available', 'warehouse available', `cluster not available: ${facts!.name} is ${facts!.status}`.replace(/^cluster not available: workgroup/, 'workgroup not available: workgroup'), resume));
    results.push(unchecked('warehouse.query', 'warehouse answers SELECT 1', `${facts!.name} is not available`));
    return results;
  }
  results.push(ok('warehouse.available', 'warehouse available', `${facts!.name} is ${facts!.status}`));
  results.push(await probeDataApi(settings));
  return results;
}

/** `SELECT 1` through the Data API: the database and the user or secret are valid. */
async function probeDataApi(settings: RedshiftSettings): Promise<CheckResult> {
  const title = 'warehouse answers SELECT 1';
  const auth =
    settings.target.secretArn !== undefined
      ? `secret ${settings.target.secretArn}`
      : settings.target.kind === 'cluster'
        ? `database user ${settings.target.dbUser}`
        : 'your IAM identity';
  const warehouse = new RedshiftWarehouse(settings);
  try {
    const rows = await warehouse.query(sqlStatement('doctor/probe', 'redshift'), { signal: AbortSignal.timeout(PROBE_DEADLINE_MS) });
    if (rows.length !== 1 || Number(rows[0].ok) !== 1) {
      return problem('warehouse.query', title, `SELECT 1 AS ok answered ${JSON.stringify(rows).slice(0, 200)}`, 'this is not a Redshift Data API: check endpoint= in the URI and AWS_ENDPOINT_URL');
    }
    return ok('warehouse.query', title, `database ${settings.database} answers through the Data API as ${auth}`);
  } catch (err) {
    const kind = classifyAwsError(err);
    const text = describeAwsError(err);
    if ((err as Error).name === 'TimeoutError') {
      return unchecked('warehouse.query', title, `no answer within ${PROBE_DEADLINE_MS / 1000} s`, 'the warehouse may be resuming or queueing; run the doctor again, or check the Data API endpoint');
    }
    if (kind === 'denied') {
      return problem('warehouse.query', title, `access denied by the Data API (${text})`, 'attach the worker policy (infra/policies.ts; sparkify infra outputs names it) to this identity');
    }
    if (/database .* does not exist/i.test(text)) {
      return problem('warehouse.query', title, `database ${settings.database} does not exist (${text})`, 'fix the database in the warehouse URI (redshift-data://…/<database>)');
    }
    if (/password|authenticat|secret|GetClusterCredentials|user .* does not exist/i.test(text)) {
      return problem('warehouse.query', title, `${auth} was refused (${text})`, 'check secretArn= (a secret with username and password) or dbUser= in the warehouse URI');
    }
    if (kind === 'unreachable') return unchecked('warehouse.query', title, `the Data API could not be reached: ${text}`, 'check the network path to the Data API and endpoint= in the URI');
    return problem('warehouse.query', title, `SELECT 1 failed: ${text}`, 'see the message; docs/redshift.md describes the URI parameters');
  } finally {
    await warehouse.close();
  }
}
