import fs from 'node:fs';
import { parseSourceUri, parseWarehouseUri, redactUri, type SourceConfig, type WarehouseConfig } from '../config';
import { openWarehouse } from '../warehouse';
import type { Warehouse } from '../warehouse/types';
import { checkWarehouseVersions } from './versions';
import { checkPlayTimeOrder } from './playTimeOrder';
import { checkAbandonedRuns } from './abandonedRuns';
import { SCHEMA_VERSION } from '../etl/versions';
import { createS3Client, type S3Settings } from '../source/s3Client';
import { checkAwsCredentials, resolveAwsRegion } from './aws';
import { checkDuckDbPath, checkPostgres, checkReportDir, checkRowEncoder } from './local';
import { checkRedshift } from './redshift';
import { checkLocalSource, checkS3Source } from './source';
import type { TemporalTarget } from '../temporal/connection';
import { checkTemporal } from './temporal';
import { ok, problem, skipped, unchecked, type CheckResult } from './types';

export type { CheckResult, CheckStatus } from './types';

export interface DoctorOptions {
  source?: string;
  warehouse?: string;
  /** The Temporal server; unset means runs use an embedded dev server, so there is nothing to check. */
  temporal?: TemporalTarget;
  taskQueue: string;
  s3: S3Settings;
}

export interface DoctorReport {
  status: 'ok' | 'problems' | 'unchecked';
  checks: CheckResult[];
}

/**
 * Exit codes: everything ok, a problem found, or something could not be checked (and nothing is
 * known wrong). A bad flag or setting stops the command with 2 before any check, as for every command.
 */
export const DOCTOR_EXIT = { ok: 0, problems: 1, unchecked: 3 } as const;

function summarize(checks: CheckResult[]): DoctorReport {
  const status = checks.some((c) => c.status === 'problem') ? 'problems' : checks.some((c) => c.status === 'unchecked') ? 'unchecked' : 'ok';
  return { status, checks };
}

function usesAws(source: SourceConfig | undefined, warehouse: WarehouseConfig | undefined, s3: S3Settings): boolean {
  return warehouse?.kind === 'redshift' || (source?.kind === 's3' && s3.endpoint === undefined);
}

/** Every check, in order: AWS identity and region, source, COPY role, warehouse, Temporal, local warehouses and their row encoder. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const source = options.source ? parseSourceUri(options.source) : undefined;
  const warehouse = options.warehouse ? parseWarehouseUri(options.warehouse) : undefined;
  const checks: CheckResult[] = [];

  // 1. AWS
  let awsOk = true;
  if (usesAws(source, warehouse, options.s3)) {
    const region = warehouse?.kind === 'redshift' ? (warehouse.settings.region ?? (await resolveAwsRegion())) : (await resolveAwsRegion()) ?? options.s3.region;
    checks.push(
      region
        ? ok('aws.region', 'AWS region set', region)
        : problem('aws.region', 'AWS region set', 'no AWS region', 'set AWS_REGION, a region in your AWS profile, or region= in the warehouse URI'),
    );
    const identity = await checkAwsCredentials(region);
    if (identity.ok) checks.push(ok('aws.credentials', 'AWS credentials', `${identity.arn} (account ${identity.account})`));
    else {
      awsOk = false;
      checks.push(identity.kind === 'problem' ? problem('aws.credentials', 'AWS credentials', identity.detail, identity.fix) : unchecked('aws.credentials', 'AWS credentials', identity.detail, identity.fix));
    }
  } else {
    checks.push(skipped('aws.credentials', 'AWS credentials', 'neither the source nor the warehouse is on AWS'));
  }

  // 2. Source
  let sampleLogKey: string | undefined;
  if (!source) checks.push(skipped('source.readable', 'source readable', 'no source configured (--source or SPARKIFY_SOURCE)'));
  else if (source.kind === 'local') checks.push(...checkLocalSource(source.dir).results);
  else if (!awsOk && options.s3.endpoint === undefined) checks.push(unchecked('source.readable', 'source readable', 'needs working AWS credentials (see above)'));
  else {
    const found = await checkS3Source(source, options.s3);
    checks.push(...found.results);
    sampleLogKey = found.sampleLogKey;
  }

  // 3-4. COPY role and Redshift
  if (warehouse?.kind === 'redshift') {
    if (!awsOk) checks.push(unchecked('warehouse.available', 'warehouse available', 'needs working AWS credentials (see above)'));
    else checks.push(...(await checkRedshift(warehouse.settings, source, sampleLogKey)));
  }

  // 5. Temporal
  if (options.temporal) checks.push(...(await checkTemporal(options.temporal, options.taskQueue)));
  else checks.push(skipped('temporal.reachable', 'Temporal reachable', 'no --temporal / TEMPORAL_ADDRESS: runs start an embedded dev server'));

  // 6. Local warehouses
  if (warehouse?.kind === 'duckdb') checks.push(checkDuckDbPath(warehouse.path));
  else if (warehouse?.kind === 'postgres') checks.push(await checkPostgres(warehouse.url));
  else if (!warehouse) checks.push(skipped('warehouse.local', 'warehouse', 'no warehouse configured (--warehouse or SPARKIFY_WAREHOUSE)'));
  if (warehouse?.kind === 'duckdb' || warehouse?.kind === 'postgres') checks.push(checkRowEncoder());

  // 7. The warehouse's schema and rules versions, where it answered.
  if (warehouse && options.warehouse) checks.push(...(await versionChecks(warehouse, options.warehouse, checks)));

  // 8. Runs that closed without recording their outcome, where both the warehouse and Temporal answered.
  if (warehouse && options.warehouse && options.temporal) checks.push(await abandonedRunsCheck(warehouse, options.warehouse, options.temporal, checks));

  return summarize(checks);
}

/** checkAbandonedRuns, once the checks before found the warehouse's versions and Temporal answering. */
async function abandonedRunsCheck(config: WarehouseConfig, uri: string, target: TemporalTarget, earlier: CheckResult[]): Promise<CheckResult> {
  const title = 'runs closed without a record';
  const answered = (id: string) => earlier.some((c) => c.id === id && c.status === 'ok');
  if (!answered('warehouse.schemaVersion')) return skipped('warehouse.abandonedRuns', title, 'the warehouse holds no runs, or was not read (see above)');
  if (!answered('temporal.namespace')) return skipped('warehouse.abandonedRuns', title, 'Temporal was not reached (see above)');
  const name = redactUri(uri);
  let opened: Warehouse | undefined;
  try {
    opened = await openWarehouse(config);
    return await checkAbandonedRuns(opened, name, target);
  } catch (err) {
    return unchecked('warehouse.abandonedRuns', title, `${name}: ${(err as Error).message.split('\n')[0]}`, 'check the warehouse connection, then run `sparkify doctor` again');
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

/** checkWarehouseVersions on a warehouse the checks before found reachable (a DuckDB file that exists). */
async function versionChecks(config: WarehouseConfig, uri: string, earlier: CheckResult[]): Promise<CheckResult[]> {
  const title = 'warehouse versions';
  const reached = config.kind === 'redshift' ? earlier.some((c) => c.id === 'warehouse.available' && c.status === 'ok') : earlier.some((c) => c.id === 'warehouse.local' && c.status === 'ok');
  if (!reached) return [skipped('warehouse.versions', title, 'the warehouse was not reached (see above)')];
  if (config.kind === 'duckdb' && (config.path === ':memory:' || !fs.existsSync(config.path))) {
    return [ok('warehouse.versions', title, `no DuckDB file there yet: the first run creates it at schema version ${SCHEMA_VERSION}`)];
  }
  const name = redactUri(uri);
  let opened: Warehouse | undefined;
  try {
    opened = await openWarehouse(config);
    const versions = await checkWarehouseVersions(opened, name);
    // Where the warehouse has its tables: whether its plays lie in start-time order (PostgreSQL).
    const order = versions.some((c) => c.id === 'warehouse.schemaVersion') ? await checkPlayTimeOrder(opened, name) : [];
    return [...versions, ...order];
  } catch (err) {
    const message = (err as Error).message;
    // A worker running on the file holds DuckDB's lock: nothing wrong, and nothing to read now.
    if (config.kind === 'duckdb' && /lock/i.test(message)) return [skipped('warehouse.versions', title, `the DuckDB file is in use (${message.split('\n')[0]})`)];
    return [unchecked('warehouse.versions', title, `${name}: ${message}`, 'check the warehouse connection, then run `sparkify doctor` again')];
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

/**
 * The checks `sparkify run` and `sparkify worker` make at start: nothing slow and no call the run
 * would not make anyway. Region for Redshift, AWS credentials present where AWS is used, the
 * DuckDB path writable, the local report directory (if given: where runs' reports will go) writable.
 */
export async function runStartChecks(
  options: Pick<DoctorOptions, 'source' | 'warehouse' | 's3'> & { reportDirs?: { dir: string; fix: string }[] },
): Promise<CheckResult[]> {
  const source = options.source ? parseSourceUri(options.source) : undefined;
  const warehouse = options.warehouse ? parseWarehouseUri(options.warehouse) : undefined;
  const checks: CheckResult[] = [];
  if (warehouse?.kind === 'redshift') {
    const region = warehouse.settings.region ?? (await resolveAwsRegion());
    if (!region) checks.push(problem('aws.region', 'AWS region set', 'no AWS region for the Redshift Data API', 'set AWS_REGION, a region in your AWS profile, or region= in the warehouse URI'));
  }
  if (source?.kind === 's3' && options.s3.accessKeyId === undefined) {
    // The same credential chain the S3 client uses; resolving it reads no data.
    const client = createS3Client(options.s3);
    try {
      await client.config.credentials();
    } catch {
      checks.push(problem('aws.credentials', 'AWS credentials', 'no AWS credentials found for the S3 source', 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance/task role applies'));
    } finally {
      client.destroy();
    }
  }
  if (warehouse?.kind === 'duckdb') {
    const result = checkDuckDbPath(warehouse.path);
    if (result.status === 'problem') checks.push(result);
  }
  for (const { dir, fix } of options.reportDirs ?? []) if (!dir.startsWith('s3://')) checks.push(checkReportDir(dir, fix));
  return checks.filter((c) => c.status === 'problem');
}

const MARK: Record<CheckResult['status'], string> = { ok: 'ok     ', problem: 'PROBLEM', unchecked: 'UNCHECKED', skipped: 'skip   ', warning: 'WARNING' };

/** One line per check: status, what, what was found, and the fix. */
export function formatCheck(check: CheckResult): string {
  return `${MARK[check.status].padEnd(9)} ${check.title}: ${check.detail}${check.fix ? ` — fix: ${check.fix}` : ''}`;
}

const COUNTED: { status: CheckResult['status']; one: string; many: string }[] = [
  { status: 'problem', one: 'problem', many: 'problems' },
  { status: 'unchecked', one: 'unchecked', many: 'unchecked' },
  { status: 'warning', one: 'warning', many: 'warnings' },
  { status: 'ok', one: 'ok', many: 'ok' },
  { status: 'skipped', one: 'skipped', many: 'skipped' },
];

/**
 * The last line of the text report. "All checks passed" only when nothing was skipped: a skipped
 * check passed nothing, so with skips the line says no problem was found and names them.
 */
export function summaryLine(report: DoctorReport): string {
  const count = (status: CheckResult['status']) => report.checks.filter((c) => c.status === status).length;
  const counts = COUNTED.filter((c) => count(c.status) > 0)
    .map((c) => `${count(c.status)} ${count(c.status) === 1 ? c.one : c.many}`)
    .join(', ');
  if (report.status === 'problems') return `Problems found: ${counts}`;
  if (report.status === 'unchecked') return `Some checks could not run: ${counts}`;
  const warned = report.checks.filter((c) => c.status === 'warning').map((c) => c.title);
  if (warned.length > 0) return `No problems found, but ${count('warning') === 1 ? 'a warning' : `${count('warning')} warnings`} (${warned.join(', ')}): ${counts}`;
  const skipped = report.checks.filter((c) => c.status === 'skipped').map((c) => c.title);
  if (skipped.length === 0) return `All checks passed: ${counts}`;
  if (count('ok') === 0) {
    return `Nothing was checked: ${counts} (${skipped.join(', ')}); give --source, --warehouse or --temporal (or SPARKIFY_SOURCE, SPARKIFY_WAREHOUSE, TEMPORAL_ADDRESS)`;
  }
  return `No problems found: ${counts} (${skipped.join(', ')})`;
}
