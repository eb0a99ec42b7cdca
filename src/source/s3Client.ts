import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { s3Timeouts } from '../config';
import { awsRequestHandler, DEFAULT_AWS_HTTP_TIMEOUTS } from '../util/awsHttp';

export interface S3Settings {
  /** Custom endpoint for S3-compatible stores (MinIO, LocalStack, s3rver); unset means AWS. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Static credentials; when unset the standard AWS credential chain applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** How long a connection may stay silent, in ms (src/util/awsHttp.ts); default 60 s, 0 never. */
  readTimeoutMs?: number;
  /** How long a new connection may take to open, in ms; default 10 s, 0 never. */
  connectTimeoutMs?: number;
}

const DEFAULT_REGION = 'us-east-1';

function parseBoolean(name: string, value: string): boolean {
  switch (value.trim().toLowerCase()) {
    case '1':
    case 'true':
    case 'yes':
    case 'on':
      return true;
    case '0':
    case 'false':
    case 'no':
    case 'off':
      return false;
    default:
      throw new Error(`${name} must be true or false, got ${JSON.stringify(value)}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Reads S3 settings from the environment:
 * SPARKIFY_S3_ENDPOINT, SPARKIFY_S3_FORCE_PATH_STYLE (defaults to true when an endpoint is set),
 * AWS_REGION / AWS_DEFAULT_REGION (default us-east-1), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * (/ AWS_SESSION_TOKEN) when both key parts are present, and SPARKIFY_S3_READ_TIMEOUT /
 * SPARKIFY_S3_CONNECT_TIMEOUT in seconds (defaults 60 and 10).
 */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = nonEmpty(env.SPARKIFY_S3_ENDPOINT);
  const pathStyleRaw = nonEmpty(env.SPARKIFY_S3_FORCE_PATH_STYLE);
  const settings: S3Settings = {
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? DEFAULT_REGION,
    ...s3Timeouts(env),
  };
  if (endpoint !== undefined) settings.endpoint = endpoint;
  if (pathStyleRaw !== undefined) {
    settings.forcePathStyle = parseBoolean('SPARKIFY_S3_FORCE_PATH_STYLE', pathStyleRaw);
  } else if (endpoint !== undefined) {
    settings.forcePathStyle = true;
  }
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    settings.accessKeyId = accessKeyId;
    settings.secretAccessKey = secretAccessKey;
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    if (sessionToken !== undefined) settings.sessionToken = sessionToken;
  }
  return settings;
}

export function createS3Client(settings: S3Settings): S3Client {
  const config: S3ClientConfig = {
    region: settings.region ?? DEFAULT_REGION,
    requestHandler: awsRequestHandler({
      readTimeoutMs: settings.readTimeoutMs ?? DEFAULT_AWS_HTTP_TIMEOUTS.readTimeoutMs,
      connectTimeoutMs: settings.connectTimeoutMs ?? DEFAULT_AWS_HTTP_TIMEOUTS.connectTimeoutMs,
    }),
  };
  if (settings.endpoint !== undefined) {
    config.endpoint = settings.endpoint;
    // Virtual-host addressing needs DNS for <bucket>.<host>, which local stores don't have.
    config.forcePathStyle = settings.forcePathStyle ?? true;
    // Since 3.729 the SDK sends CRC32 checksums with aws-chunked trailers on every upload and
    // validates response checksums; MinIO (older), LocalStack and s3rver reject or lack them.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  } else if (settings.forcePathStyle !== undefined) {
    config.forcePathStyle = settings.forcePathStyle;
  }
  if (settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined) {
    config.credentials = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken !== undefined ? { sessionToken: settings.sessionToken } : {}),
    };
  }
  return new S3Client(config);
}
