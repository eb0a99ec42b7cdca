import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/** What an AWS SDK error means for the doctor. */
export type AwsErrorKind = 'denied' | 'notFound' | 'credentials' | 'unreachable' | 'other';

export interface AwsErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'AuthFailure']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EHOSTUNREACH']);

export function classifyAwsError(err: unknown): AwsErrorKind {
  const e = (err ?? {}) as AwsErrorLike;
  const name = e.name ?? '';
  if (CREDENTIAL_ERRORS.has(name)) return 'credentials';
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'AllAccessDisabled' || e.$metadata?.httpStatusCode === 403) return 'denied';
  if (/NotFound|NoSuch/.test(name) || e.$metadata?.httpStatusCode === 404) return 'notFound';
  if (NETWORK_CODES.has(e.code ?? '') || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|socket hang up|getaddrinfo/.test(e.message ?? '')) return 'unreachable';
  return 'other';
}

export function describeAwsError(err: unknown): string {
  const e = (err ?? {}) as AwsErrorLike;
  const message = (e.message ?? String(err)).split('\n')[0];
  return e.name && e.name !== 'Error' ? `${e.name}: ${message}` : message;
}

/** The region the AWS SDK would use (AWS_REGION or the profile), else AWS_DEFAULT_REGION as the AWS CLI reads it. */
export async function resolveAwsRegion(): Promise<string | undefined> {
  const client = new STSClient({});
  try {
    return await client.config.region();
  } catch {
    return process.env.AWS_DEFAULT_REGION || undefined;
  } finally {
    client.destroy();
  }
}

export type CredentialsResult =
  | { ok: true; arn: string; account: string }
  | { ok: false; kind: 'problem' | 'unchecked'; detail: string; fix: string };

/** STS GetCallerIdentity: the keys resolve and AWS accepts them. */
export async function checkAwsCredentials(region?: string): Promise<CredentialsResult> {
  const client = new STSClient(region ? { region } : {});
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    return { ok: true, arn: identity.Arn ?? '(unknown ARN)', account: identity.Account ?? '(unknown account)' };
  } catch (err) {
    const kind = classifyAwsError(err);
    if ((err as AwsErrorLike).name === 'CredentialsProviderError') {
      return {
        ok: false,
        kind: 'problem',
        detail: 'no AWS credentials found',
        fix: 'set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance/task role applies',
      };
    }
    if (kind === 'credentials') {
      return {
        ok: false,
        kind: 'problem',
        detail: `AWS rejected the credentials (${describeAwsError(err)})`,
        fix: 'the access key is wrong, disabled or expired: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or refresh the profile (`aws sso login`)',
      };
    }
    return {
      ok: false,
      kind: 'unchecked',
      detail: `STS GetCallerIdentity failed: ${describeAwsError(err)}`,
      fix: 'check the network path to AWS (proxy, VPC endpoint for STS) and AWS_ENDPOINT_URL',
    };
  } finally {
    client.destroy();
  }
}
