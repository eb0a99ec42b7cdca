import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, GetRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeStatementCommand, ExecuteStatementCommand, GetStatementResultCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetNamespaceCommand, GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { copyRolePolicy } from '../infra/policies';
import { checkRedshift } from '../src/doctor/redshift';
import type { CheckResult } from '../src/doctor';
import { parseRedshiftUri } from '../src/warehouse/redshift/uri';

// CLIENT-MOCK TESTS, not an emulator: moto has no Redshift Serverless, and its Data API answers
// every query with canned rows. Here the AWS SDK's own client mock (aws-sdk-client-mock) answers
// GetWorkgroup/GetNamespace, the Data API and IAM with responses shaped like AWS's documented ones.
// They show how the doctor reads those answers; they prove nothing about AWS's real behaviour.

const ROLE_ARN = 'arn:aws:iam::123456789012:role/sparkify-redshift-copy';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sparkify-warehouse-admin-AbCdEf';
const TRUST = encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }] }));
const COPY_POLICY = encodeURIComponent(JSON.stringify(copyRolePolicy({ partition: 'aws', region: 'eu-west-1', account: '123456789012', bucket: 'my-data', sourcePrefix: 'sparkify/', stagingPrefix: 'sparkify/_sparkify-etl/' })));

const serverless = mockClient(RedshiftServerlessClient);
const dataApi = mockClient(RedshiftDataClient);
const iam = mockClient(IAMClient);

const settings = () => parseRedshiftUri(`redshift-data://workgroup/sparkify/sparkify?secretArn=${SECRET}&region=eu-west-1`);
const source = { kind: 's3' as const, bucket: 'my-data', prefix: 'sparkify/' };
const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;

function healthy(): void {
  serverless.reset();
  dataApi.reset();
  iam.reset();
  serverless.on(GetWorkgroupCommand).resolves({ workgroup: { workgroupName: 'sparkify', namespaceName: 'sparkify', status: 'AVAILABLE' } });
  serverless.on(GetNamespaceCommand).resolves({
    namespace: { namespaceName: 'sparkify', status: 'AVAILABLE', defaultIamRoleArn: ROLE_ARN, iamRoles: [`IamRole(applyStatus=in-sync, iamRoleArn=${ROLE_ARN})`] },
  });
  iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'sparkify-redshift-copy', Arn: ROLE_ARN, Path: '/', RoleId: 'AROA', CreateDate: new Date(), AssumeRolePolicyDocument: TRUST } });
  iam.on(SimulatePrincipalPolicyCommand).rejects(Object.assign(new Error('simulation unavailable'), { name: 'NotImplemented' }));
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['copy-from-source'] });
  iam.on(GetRolePolicyCommand).resolves({ RoleName: 'sparkify-redshift-copy', PolicyName: 'copy-from-source', PolicyDocument: COPY_POLICY });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  dataApi.on(ExecuteStatementCommand).resolves({ Id: 'st-1' });
  dataApi.on(DescribeStatementCommand).resolves({ Id: 'st-1', Status: 'FINISHED', HasResultSet: true, ResultRows: 1 });
  dataApi.on(GetStatementResultCommand).resolves({ ColumnMetadata: [{ name: 'ok', typeName: 'int4' }], Records: [[{ longValue: 1 }]] });
}

beforeEach(healthy);
afterAll(() => {
  serverless.restore();
  dataApi.restore();
  iam.restore();
});

test('[client-mock] a healthy workgroup: the default role is found, attached and can read; SELECT 1 answers', async () => {
  const results = await checkRedshift(settings(), source, 'sparkify/log_data/2018/11/2018-11-01-events.json');
  expect(results.map((r) => [r.id, r.status])).toEqual([
    ['copyRole.exists', 'ok'], ['copyRole.trust', 'ok'], ['copyRole.attached', 'ok'], ['copyRole.canRead', 'ok'],
    ['warehouse.available', 'ok'], ['warehouse.query', 'ok'],
  ]);
  expect(byId(results, 'copyRole.canRead').detail).toContain("the role's policies (no IAM policy simulation available)");
  // The probe went through the Data API to this workgroup with the secret.
  expect(dataApi.commandCalls(ExecuteStatementCommand)[0].args[0].input).toMatchObject({ WorkgroupName: 'sparkify', SecretArn: SECRET, Database: 'sparkify', Sql: expect.stringMatching(/SELECT 1 AS ok$/) });
});

test('[client-mock] a workgroup that is not available', async () => {
  serverless.on(GetWorkgroupCommand).resolves({ workgroup: { workgroupName: 'sparkify', namespaceName: 'sparkify', status: 'MODIFYING' } });
  const results = await checkRedshift(settings(), source, undefined);
  expect(byId(results, 'warehouse.available')).toMatchObject({ status: 'problem', detail: 'workgroup not available: workgroup sparkify (namespace sparkify) is MODIFYING' });
  expect(byId(results, 'warehouse.query').status).toBe('unchecked');
});

test('[client-mock] a workgroup that does not exist', async () => {
  serverless.on(GetWorkgroupCommand).rejects(Object.assign(new Error('Workgroup sparkify not found'), { name: 'ResourceNotFoundException' }));
  const results = await checkRedshift(settings(), source, undefined);
  const line = byId(results, 'warehouse.available');
  expect(line.status).toBe('problem');
  expect(line.detail).toMatch(/^workgroup sparkify not found/);
  expect(line.fix).toContain('aws redshift-serverless list-workgroups');
});

test('[client-mock] the COPY role is not attached to the namespace', async () => {
  serverless.on(GetNamespaceCommand).resolves({ namespace: { namespaceName: 'sparkify', status: 'AVAILABLE', iamRoles: [] } });
  const uri = `redshift-data://workgroup/sparkify/sparkify?secretArn=${SECRET}&region=eu-west-1&iamRole=${ROLE_ARN}`;
  const results = await checkRedshift(parseRedshiftUri(uri), source, undefined);
  const line = byId(results, 'copyRole.attached');
  expect(line.status).toBe('problem');
  expect(line.fix).toContain('aws redshift-serverless update-namespace');
});

test('[client-mock] the secret is refused: the line names it', async () => {
  dataApi.on(DescribeStatementCommand).resolves({ Id: 'st-1', Status: 'FAILED', Error: 'FATAL: password authentication failed for user "sparkify_admin"' });
  const results = await checkRedshift(settings(), source, undefined);
  const line = byId(results, 'warehouse.query');
  expect(line.status).toBe('problem');
  expect(line.detail).toContain(`secret ${SECRET} was refused`);
  expect(line.fix).toContain('secretArn=');
});

test('[client-mock] the Data API denies the caller', async () => {
  dataApi.on(ExecuteStatementCommand).rejects(Object.assign(new Error('User is not authorized to perform redshift-data:ExecuteStatement'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }));
  const results = await checkRedshift(settings(), source, undefined);
  const line = byId(results, 'warehouse.query');
  expect(line).toMatchObject({ status: 'problem' });
  expect(line.detail).toMatch(/^access denied by the Data API/);
  expect(line.fix).toContain('worker policy');
});
