import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { dateProblem } from './etl/dates';
import { ConfigError } from './errors';
import { DEFAULT_AWS_HTTP_TIMEOUTS } from './util/awsHttp';
import { isMemoryLimitSetting } from './warehouse/duckdbSettings';
import { parseRedshiftUri, type RedshiftSettings } from './warehouse/redshift/uri';

// Defined in ./errors (below the warehouse adapters, which throw it too); exported here for callers.
export { ConfigError };

export type WarehouseConfig =
  | { kind: 'duckdb'; path: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'redshift'; uri: string; settings: RedshiftSettings };

export type SourceConfig = { kind: 'local'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

export const DEFAULT_DUCKDB_PATH = '.sparkify/warehouse.duckdb';
export const DEFAULT_TASK_QUEUE = 'sparkify-etl';

/**
 * Refuses a path that starts with `~`: the shell expands it only at the start of a word, not after
 * `duckdb:` or `--source=`, nor in an env var's quoted value, so `~/w.duckdb` was a folder named
 * `~` under the current directory. `prefix`: what the path follows in the setting (`duckdb:`).
 */
function refuseHomeShorthand(file: string, setting: string, prefix = ''): void {
  if (!file.startsWith('~')) return;
  const named = file.split('/')[0];
  const head = `${setting}: "${prefix}${file}" starts with ~, which the shell left as it is (it expands ~ only at the start of a word), so it would name ${named} under the current directory`;
  if (named !== '~') throw new ConfigError(`${head}: write the path out in full`);
  const rest = file.slice(2);
  throw new ConfigError(`${head}: write the path out, e.g. ${prefix}${path.join(os.homedir(), rest)}, or ${prefix}$HOME/${rest}, which the shell expands`);
}

/**
 * `duckdb:/abs/path` or `duckdb:relative/path`. `duckdb://…` is refused: URI conventions disagree
 * on it (`duckdb://tmp/x` was taken as tmp/x; file: URIs read `duckdb:///tmp/x` as /tmp/x,
 * SQLAlchemy as tmp/x), so the user says which.
 */
function duckDbPath(value: string, setting: string, wildcard = ''): string {
  const file = value.slice('duckdb:'.length);
  const named = file.replace(/^\/+/, '') + wildcard;
  if (named === '') throw new ConfigError(`${setting}: "duckdb:" needs a file path, e.g. duckdb:${DEFAULT_DUCKDB_PATH}`);
  if (file.startsWith('//')) {
    throw new ConfigError(
      `${setting}: "${value}${wildcard}" is ambiguous: write duckdb:/${named} for the absolute path /${named}, or duckdb:${named} for ${named} under the current directory`,
    );
  }
  refuseHomeShorthand(file + wildcard, setting, 'duckdb:');
  return file;
}

/** `duckdb:PATH` | `postgres://…` | `postgresql://…` | `redshift-data://…` */
export function parseWarehouseUri(uri: string, setting = '--warehouse'): WarehouseConfig {
  const value = uri.trim();
  if (value.startsWith('duckdb:')) {
    const file = duckDbPath(value, setting);
    return { kind: 'duckdb', path: file === ':memory:' ? file : path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError(`${setting}: "${redactUri(value)}" is not a valid PostgreSQL URL (postgres://user@host:5432/db)`);
    }
    return { kind: 'postgres', url: value };
  }
  if (value.startsWith('redshift-data://')) return { kind: 'redshift', uri: value, settings: parseRedshiftUri(value, setting) };
  throw new ConfigError(
    `${setting}: "${redactUri(value)}" is not a warehouse URI; use duckdb:PATH, postgres://… or redshift-data://…`,
  );
}

/** A local directory, or `s3://bucket[/prefix]`. */
export function parseSourceUri(uri: string, setting = '--source'): SourceConfig {
  const value = uri.trim();
  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length);
    const [bucket, ...prefixParts] = rest.split('/');
    if (!bucket) throw new ConfigError(`${setting}: "${redactUri(value)}" names no bucket; use s3://bucket/prefix`);
    let prefix = prefixParts.join('/');
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    return { kind: 's3', bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(`${setting}: "${redactUri(value)}" is neither a local directory nor an s3:// URI`);
  }
  if (value === '') throw new ConfigError(`${setting}: empty; give a directory or s3://bucket/prefix`);
  refuseHomeShorthand(value, setting);
  return { kind: 'local', dir: path.resolve(value) };
}

/**
 * A source URI as a worker elsewhere must read it: a local directory resolved against this
 * process's directory (a relative one would be resolved against the worker's), S3 unchanged.
 */
export function absoluteSourceUri(uri: string, setting = '--source'): string {
  const source = parseSourceUri(uri, setting);
  return source.kind === 'local' ? source.dir : uri;
}

/** A warehouse URI as a worker elsewhere must open it: a DuckDB file made absolute (as for sources), others unchanged. */
export function absoluteWarehouseUri(uri: string, setting = '--warehouse'): string {
  const warehouse = parseWarehouseUri(uri, setting);
  return warehouse.kind === 'duckdb' ? `duckdb:${warehouse.path}` : uri;
}

export function describeSource(source: SourceConfig): string {
  return source.kind === 'local' ? source.dir : `s3://${source.bucket}/${source.prefix}`;
}

// Query parameters whose values are secrets (libpq's password, sslpassword; keys, tokens,
// signatures). An ARN (Redshift's secretArn) names a secret and is not one: workers need it.
const SECRET_PARAM = /^(?!.*arn$)(?:.*(?:pass|pwd|secret|token|credential|signature|private).*|.*key)$/i;

/**
 * Hides the secrets of a URI so it can be logged, shown in the Web UI or stored in history: the
 * password of the user-info part (whatever it holds: '@', '/', ':', an empty user) and the values
 * of secret query parameters (`?password=…`). Parsed by hand, not by `new URL`, because the URIs
 * people write are often not valid URLs (an unescaped '@' or '/' in a password): a URI that cannot
 * be parsed must still come out without its secret.
 */
export function redactUri(uri: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(uri);
  if (!scheme) return uri;
  let rest = uri.slice(scheme[0].length);
  // The user info ends at the '@' before the host: the last '@' before the query, else the last '@'.
  const firstQuery = rest.search(/[?#]/);
  const head = firstQuery === -1 ? rest : rest.slice(0, firstQuery);
  const at = head.includes('@') ? head.lastIndexOf('@') : rest.lastIndexOf('@');
  if (at !== -1) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon !== -1) rest = `${userInfo.slice(0, colon)}:***${rest.slice(at)}`;
  }
  const query = rest.search(/[?#]/);
  if (query === -1) return scheme[0] + rest;
  const redactedQuery = rest
    .slice(query)
    .replace(/([?&;])([^=&#;]*)=([^&#;]*)/g, (whole, sep: string, name: string) => (SECRET_PARAM.test(decodeName(name)) ? `${sep}${name}=***` : whole));
  return scheme[0] + rest.slice(0, query) + redactedQuery;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** Validates a calendar date written YYYY-MM-DD, within the supported dates (src/etl/dates.ts). */
export function parseDate(value: string, setting: string): string {
  const problem = dateProblem(value);
  if (problem) throw new ConfigError(`${setting}: "${value}" ${problem}`);
  return value;
}

/**
 * How long a PostgreSQL warehouse may wait: for a connection, for one statement, and before TCP
 * keepalive starts probing an idle connection (so a server that vanished is noticed instead of
 * waited on forever). Seconds, from the environment; 0 turns the statement timeout off.
 */
export interface PostgresTimeouts {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  keepAliveInitialDelayMs: number;
}

/**
 * Seconds (0 or more) from an environment variable, as milliseconds; unset or blank is `fallback`
 * seconds (a blank one meant 0, no timeout at all, for the PostgreSQL ones).
 */
const seconds = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return Math.round(fallback * 1000);
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) {
        ctx.addIssue({ code: 'custom', message: 'must be 0 or more seconds' });
        return z.NEVER;
      }
      return Math.round(value * 1000);
    });

const postgresTimeoutsSchema = z.object({
  // A new connection that the server has not answered in this long fails (and is retried).
  SPARKIFY_PG_CONNECT_TIMEOUT: seconds(15),
  // The longest load activity may run 6 hours; a statement outliving it serves no attempt.
  SPARKIFY_PG_STATEMENT_TIMEOUT: seconds(6 * 3600),
  SPARKIFY_PG_KEEPALIVE_DELAY: seconds(10),
});

/** How long an S3 read may stay silent, and a connection take to open (src/util/awsHttp.ts). */
const s3TimeoutsSchema = z.object({
  SPARKIFY_S3_READ_TIMEOUT: seconds(DEFAULT_AWS_HTTP_TIMEOUTS.readTimeoutMs / 1000),
  SPARKIFY_S3_CONNECT_TIMEOUT: seconds(DEFAULT_AWS_HTTP_TIMEOUTS.connectTimeoutMs / 1000),
});

/** The S3 client's timeouts from the environment, in milliseconds (defaults 60 s silent, 10 s to connect). */
export function s3Timeouts(env: NodeJS.ProcessEnv = process.env): { readTimeoutMs: number; connectTimeoutMs: number } {
  const t = parseEnv(s3TimeoutsSchema, env);
  return { readTimeoutMs: t.SPARKIFY_S3_READ_TIMEOUT, connectTimeoutMs: t.SPARKIFY_S3_CONNECT_TIMEOUT };
}

/** The PostgreSQL timeouts from the environment (defaults: connect 15 s, statement 6 h, keepalive after 10 s idle). */
export function postgresTimeouts(env: NodeJS.ProcessEnv = process.env): PostgresTimeouts {
  const t = parseEnv(postgresTimeoutsSchema, env);
  return {
    connectTimeoutMs: t.SPARKIFY_PG_CONNECT_TIMEOUT,
    statementTimeoutMs: t.SPARKIFY_PG_STATEMENT_TIMEOUT,
    keepAliveInitialDelayMs: t.SPARKIFY_PG_KEEPALIVE_DELAY,
  };
}

/**
 * What a worker serves when its operator restricts it: the warehouses, sources and report
 * locations workflow input may name (anyone who can start a workflow can name any). Unset means
 * no restriction. Comma-separated in SPARKIFY_ALLOWED_WAREHOUSES (URIs, compared without their
 * passwords; a trailing * matches any rest), SPARKIFY_ALLOWED_SOURCES and
 * SPARKIFY_ALLOWED_REPORT_LOCATIONS (directories or s3://bucket/prefix; anything inside one).
 */
export interface AllowList {
  warehouses?: string[];
  sources?: string[];
  reportLocations?: string[];
}

export function allowListFromEnv(env: NodeJS.ProcessEnv = process.env): AllowList {
  const list = (name: string) => {
    const value = env[name]?.trim();
    if (!value) return undefined;
    return value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  };
  return {
    warehouses: list('SPARKIFY_ALLOWED_WAREHOUSES'),
    sources: list('SPARKIFY_ALLOWED_SOURCES'),
    reportLocations: list('SPARKIFY_ALLOWED_REPORT_LOCATIONS'),
  };
}

/** A warehouse URI as allow-lists compare it: DuckDB paths absolute, passwords hidden. */
export function warehouseIdentity(uri: string, setting = 'warehouse'): string {
  const config = parseWarehouseUri(uri, setting);
  return config.kind === 'duckdb' ? `duckdb:${config.path}` : redactUri(config.kind === 'postgres' ? config.url : config.uri);
}

/** One entry of a warehouse allow-list: a warehouse's identity, or (an entry ending in `*`) the start of any. */
export type WarehouseAllowEntry = { identity: string } | { prefix: string };

/**
 * An entry of SPARKIFY_ALLOWED_WAREHOUSES, spelled as --warehouse takes a URI, checked once, at
 * start: a bad one (`duckdb://…`, which --warehouse refuses as ambiguous) is said naming the
 * variable and the spellings to choose from, instead of failing every run that names a warehouse.
 * A DuckDB path, whole or the start before `*`, is made absolute as the worker resolves the runs' ones.
 */
export function warehouseAllowEntry(entry: string, setting = 'SPARKIFY_ALLOWED_WAREHOUSES'): WarehouseAllowEntry {
  if (!entry.endsWith('*')) return { identity: warehouseIdentity(entry, setting) };
  const start = entry.slice(0, -1);
  if (!start.startsWith('duckdb:') || start === 'duckdb:') return { prefix: redactUri(start) };
  const file = duckDbPath(start, setting, '*');
  // path.resolve drops a trailing '/', which keeps `duckdb:/srv/*` from matching /srv-other/.
  return { prefix: `duckdb:${path.resolve(file)}${file.endsWith('/') ? '/' : ''}` };
}

/** A source or report location as allow-lists compare it: an absolute directory or s3://bucket/prefix/, ending in '/'. */
export function locationIdentity(uri: string, setting: string): string {
  const place = parseSourceUri(uri, setting);
  const text = place.kind === 'local' ? place.dir : `s3://${place.bucket}/${place.prefix}`;
  return text.endsWith('/') ? text : `${text}/`;
}

/** Days a completed run's staging rows are kept (for inspection) before a later run clears them. */
export const DEFAULT_STAGING_RETENTION_DAYS = 7;

// A whole number of days; 0 clears a run's staging as it completes. Empty or unset: the default.
const stagingRetentionDaysSetting = z
  .string()
  .regex(/^\s*\d*\s*$/, 'must be a whole number of days')
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? DEFAULT_STAGING_RETENTION_DAYS : Number(raw)));

/** SPARKIFY_STAGING_RETENTION_DAYS, read where staging is cleared; readEnv checks it at start. */
export function stagingRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  return parseEnv(z.object({ SPARKIFY_STAGING_RETENTION_DAYS: stagingRetentionDaysSetting }), env).SPARKIFY_STAGING_RETENTION_DAYS;
}

/** Seconds a publish statement, quality check or report query may run before the worker logs it as slow (src/activities/slowStatements.ts). */
export const DEFAULT_SLOW_STATEMENT_SECONDS = 10;

// A number of seconds, whole or not; 0 logs every one. Empty or unset: the default.
const slowStatementSecondsSetting = z
  .string()
  .regex(/^\s*(\d+(\.\d*)?|\.\d+)?\s*$/, 'must be a number of seconds, such as 10 or 0.5')
  .optional()
  .transform((raw) => (raw === undefined || raw.trim() === '' ? DEFAULT_SLOW_STATEMENT_SECONDS : Number(raw)));

/** SPARKIFY_SLOW_STATEMENT_SECONDS, read by the publish, check and report steps; readEnv checks it at start. */
export function slowStatementSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return parseEnv(z.object({ SPARKIFY_SLOW_STATEMENT_SECONDS: slowStatementSecondsSetting }), env).SPARKIFY_SLOW_STATEMENT_SECONDS;
}

/** An opt-in or opt-out switch: 1 or 0 (empty: unset). */
const onOffSwitch = z.string().regex(/^[01]?$/, 'must be 1 or 0').optional();

const envSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be HOST:PORT, e.g. localhost:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  SPARKIFY_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  SPARKIFY_SOURCE: z.string().min(1).optional(),
  SPARKIFY_WAREHOUSE: z.string().min(1).optional(),
  SPARKIFY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  // Read where they act (the warehouse, the staging), in the worker too; checked here so that a
  // mistyped value stops the CLI with its name instead of silently meaning the default.
  SPARKIFY_DUCKDB_MEMORY_LIMIT: z.string().refine(isMemoryLimitSetting, "must be a memory size such as 128MiB or 2GB, or 'default'").optional(),
  SPARKIFY_DUCKDB_STAGING_COMPRESSION: z.string().regex(/^\s*(all)?\s*$/i, "must be 'all' or unset").optional(),
  SPARKIFY_DUCKDB_READ_FILES: onOffSwitch,
  SPARKIFY_DUCKDB_RAW_LINES: onOffSwitch,
  SPARKIFY_DUCKDB_THREAD_PARTS: onOffSwitch,
  SPARKIFY_STAGING_THREAD: onOffSwitch,
  SPARKIFY_NATIVE_ROWS: onOffSwitch,
  // Read when a run is recorded, after it has published: checked here so a typo stops the start instead.
  SPARKIFY_STAGING_RETENTION_DAYS: stagingRetentionDaysSetting,
  SPARKIFY_SLOW_STATEMENT_SECONDS: slowStatementSecondsSetting,
  // Read where a warehouse or S3 client is made, in the worker too: checked here for the same reason.
  ...postgresTimeoutsSchema.shape,
  ...s3TimeoutsSchema.shape,
});

export type EnvSettings = z.infer<typeof envSchema>;

/** Reads and validates the environment once, naming the first bad variable. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  return parseEnv(envSchema, env);
}

function parseEnv<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0]);
    throw new ConfigError(`${name}: ${issue.message} (got "${env[name] ?? ''}")`);
  }
  return result.data;
}
