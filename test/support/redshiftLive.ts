/**
 * Live test mode for the Redshift end-to-end tests: with SPARKIFY_TEST_REDSHIFT_URI (a
 * redshift-data:// URI), SPARKIFY_TEST_S3_PREFIX (s3://bucket/prefix/ the tests may write the
 * sample under) and SPARKIFY_TEST_REDSHIFT_COPY_ROLE (COPY's IAM role ARN, or "default"), they
 * also run against that real warehouse, with the standard AWS credential chain. A partial setting
 * is an error, never a silent fallback to the emulator.
 */
import { parseRedshiftUri } from '../../src/warehouse/redshift/uri';

export interface LiveRedshift {
  /** The warehouse URI with the COPY role set. */
  uri: string;
  /** s3://bucket/prefix/ for the sample. */
  s3Prefix: string;
}

const VARIABLES = ['SPARKIFY_TEST_REDSHIFT_URI', 'SPARKIFY_TEST_S3_PREFIX', 'SPARKIFY_TEST_REDSHIFT_COPY_ROLE'] as const;

export function liveRedshift(env: NodeJS.ProcessEnv = process.env): LiveRedshift | undefined {
  const set = VARIABLES.filter((name) => (env[name] ?? '').trim() !== '');
  if (set.length === 0) return undefined;
  if (set.length < VARIABLES.length) {
    const missing = VARIABLES.filter((name) => !set.includes(name));
    throw new Error(`live Redshift tests need ${VARIABLES.join(', ')}; missing ${missing.join(', ')}`);
  }
  const url = new URL(env.SPARKIFY_TEST_REDSHIFT_URI!.trim());
  url.searchParams.set('iamRole', env.SPARKIFY_TEST_REDSHIFT_COPY_ROLE!.trim());
  const uri = url.toString();
  parseRedshiftUri(uri, 'SPARKIFY_TEST_REDSHIFT_URI');
  let s3Prefix = env.SPARKIFY_TEST_S3_PREFIX!.trim();
  if (!/^s3:\/\/[^/]+/.test(s3Prefix)) throw new Error(`SPARKIFY_TEST_S3_PREFIX must be s3://bucket/prefix/, got ${s3Prefix}`);
  if (!s3Prefix.endsWith('/')) s3Prefix += '/';
  return { uri, s3Prefix };
}

/** Said once per run of the Redshift end-to-end tests: which warehouse they exercise. */
export function describeRedshiftTargets(live: LiveRedshift | undefined): string {
  return live
    ? `Redshift end-to-end tests: the Data API emulator, and the live warehouse ${live.uri.split('?')[0]} (sample under ${live.s3Prefix})`
    : `Redshift end-to-end tests target the Data API emulator only; set ${VARIABLES.join(', ')} to also run them against a real warehouse (docs/redshift.md, "Live test mode")`;
}
