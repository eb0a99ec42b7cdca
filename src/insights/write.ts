import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseSourceUri, type WarehouseConfig } from '../config';
import { StorageError } from '../errors';
import { createS3Client, type S3Settings } from '../source/s3Client';
import { FREE_SPACE_ADVICE, isNoRoom } from '../util/storageFaults';

/** Where reports go when a run names no place and the warehouse is not a local file. */
export const DEFAULT_REPORT_DIR = '.sparkify/reports';

/** Whether the warehouse is a file whose runs' reports go beside it (a DuckDB file, not in memory). */
function reportsBesideWarehouse(warehouse: WarehouseConfig): warehouse is WarehouseConfig & { kind: 'duckdb' } {
  return warehouse.kind === 'duckdb' && warehouse.path !== ':memory:';
}

/**
 * A run's report goes beside its DuckDB file when it has one (`.sparkify/reports/` for the
 * quickstart warehouse), else into the worker's report directory (`.sparkify/reports/` under its
 * working directory unless configured).
 */
export function defaultReportDir(warehouse: WarehouseConfig, workerReportDir = DEFAULT_REPORT_DIR): string {
  return reportsBesideWarehouse(warehouse) ? path.join(path.dirname(warehouse.path), 'reports') : workerReportDir;
}

/** What chose a run's report location, as a message about it says. */
export function reportLocationChoice(reportTo: string | undefined, warehouse: WarehouseConfig): string {
  if (reportTo) return "the run's --report-to (workflow input reportTo)";
  if (reportsBesideWarehouse(warehouse)) return "beside the run's DuckDB warehouse; the run's --report-to sends it elsewhere";
  return `the worker's --report-dir or SPARKIFY_REPORT_DIR (unset: ${DEFAULT_REPORT_DIR} in its working directory), or the run's --report-to`;
}

// A directory the worker may not write, or a path that is no directory: the same on every retry.
const REFUSED_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

// S3's refusals of a put, the same on every retry: a bucket that does not exist, or credentials
// that may not write it (or are not valid there).
const S3_REFUSALS = new Set(['NoSuchBucket', 'AccessDenied', 'AllAccessDisabled', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);

/** The SDK's name of an S3 refusal, or undefined for any other failure. */
function s3Refusal(err: unknown): string | undefined {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e.name === 'string' && S3_REFUSALS.has(e.name)) return e.name;
  return e.$metadata?.httpStatusCode === 403 ? 'AccessDenied' : undefined;
}

/**
 * A failed write of a report to `dir` (a local directory or s3://bucket/prefix) as the run should
 * see it: refused or without room, a StorageError naming the place and what chose it (`choice`),
 * which fails the step at once; anything else as it came, to be retried. The run's tables are
 * published by then.
 */
export function reportWriteFault(err: unknown, dir: string, choice: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const place = dir.startsWith('s3://') ? dir : path.resolve(dir);
  const what = (reason: string) => `cannot write the run's report to ${place} (chosen by ${choice}): ${reason}`;
  const published = "the run's tables are published; run it again to write the report (runs are idempotent)";
  if (typeof code === 'string' && REFUSED_CODES.has(code)) {
    return new StorageError(`${what((err as Error).message)}: give a directory the worker's user can write to, or fix its permissions; ${published}`, { cause: err });
  }
  const refusal = place.startsWith('s3://') ? s3Refusal(err) : undefined;
  if (refusal) {
    return new StorageError(
      `${what(`${refusal}: ${(err as Error).message}`)}: give a bucket that exists and that the worker's S3 credentials may write to (s3:PutObject), ` +
        `or fix those credentials; ${published}`,
      { cause: err },
    );
  }
  if (isNoRoom(err)) return new StorageError(`${what((err as Error).message)}: ${FREE_SPACE_ADVICE}`, { cause: err });
  return err;
}

const unsafeInFileName = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * A report's file name from its workflow id (which may hold characters a file system dislikes),
 * with the warehouse's tag (warehouseTag) when the directory's plain names are another warehouse's.
 */
export function reportFileName(id: string, tag?: string): string {
  return `${unsafeInFileName(id)}${tag ? `--${tag}` : ''}.html`;
}

/**
 * The file in a report directory (or under an S3 prefix) that names the warehouse whose reports
 * there carry plain names (`sparkify-etl-2018-11-01.html`): the first that wrote one there. The
 * reports of any other warehouse written there carry its tag, so warehouses that share a directory
 * do not overwrite each other's reports, and a directory of one warehouse keeps the plain names.
 */
export const REPORT_DIR_OWNER = '.sparkify-reports-warehouse';

/**
 * A warehouse's tag in report names, from its identity (warehouseIdentity: no password): its kind,
 * its file or database name, and a hash of the whole identity (`postgres-sparkify-1a2b3c4d`).
 */
export function warehouseTag(identity: string): string {
  const kind = identity.slice(0, identity.indexOf(':'));
  // The last part of its path: a DuckDB file's name without `.duckdb`, a database's name.
  const name = (identity.split('?')[0].split(/[/:]/).filter(Boolean).pop() ?? '').replace(/\.duckdb$/, '');
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return [kind, unsafeInFileName(name), hash].filter(Boolean).join('-');
}

/** The tag the local directory's owner file names, written as this warehouse's when there is none. */
function localOwner(dir: string, tag: string): string {
  const file = path.join(dir, REPORT_DIR_OWNER);
  try {
    // Exclusive: of two warehouses writing their first report at once, one owns the directory.
    fs.writeFileSync(file, `${tag}\n`, { flag: 'wx' });
    return tag;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return fs.readFileSync(file, 'utf8').trim();
  }
}

/**
 * localOwner under an S3 prefix: a conditional put (the first writer's tag stands), then the owner
 * file read back. S3 refuses the second of two first puts (412), but an S3-compatible server that
 * ignores IfNoneMatch takes both, and both writers believed they owned the plain names: the one
 * whose tag the read finds owns them, and the other writes tagged names. Reads after a write see it
 * (S3's strong consistency); on such a server, a put that lands after the other writer has read
 * back still makes two owners, a window of one request instead of the whole put.
 */
async function s3Owner(client: S3Client, bucket: string, prefix: string, tag: string): Promise<string> {
  const Key = prefix + REPORT_DIR_OWNER;
  const read = async (): Promise<string | undefined> => {
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      return (await object.Body!.transformToString()).trim();
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  };
  const owner = await read();
  if (owner !== undefined) return owner;
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `${tag}\n`, ContentType: 'text/plain; charset=utf-8', IfNoneMatch: '*' }));
  } catch (err) {
    // Another warehouse's first report got there first.
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412) throw err;
  }
  return (await read()) ?? tag;
}

/**
 * Writes an HTML report into a local directory or under an s3://bucket/prefix, replacing any
 * earlier one of the same name (so a retried write is harmless); returns where it went. With
 * `warehouse` (its identity), the name carries the warehouse's tag unless the directory is that
 * warehouse's (REPORT_DIR_OWNER).
 */
export async function writeHtmlReport(html: string, options: { to: string; id: string; warehouse?: string; s3: S3Settings }): Promise<string> {
  const place = parseSourceUri(options.to, 'report destination');
  const tag = options.warehouse === undefined ? undefined : warehouseTag(options.warehouse);
  const nameFor = (owner: string | undefined) => reportFileName(options.id, owner === tag ? undefined : tag);
  if (place.kind === 'local') {
    fs.mkdirSync(place.dir, { recursive: true });
    const file = path.join(place.dir, nameFor(tag && localOwner(place.dir, tag)));
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, html);
    fs.renameSync(partial, file);
    return file;
  }
  const client = createS3Client(options.s3);
  let key: string;
  try {
    key = place.prefix + nameFor(tag && (await s3Owner(client, place.bucket, place.prefix, tag)));
    await client.send(
      new PutObjectCommand({ Bucket: place.bucket, Key: key, Body: html, ContentType: 'text/html; charset=utf-8' }),
    );
  } finally {
    client.destroy();
  }
  return `s3://${place.bucket}/${key}`;
}

/** Checks a report destination given on the command line; a local directory becomes absolute. */
export function resolveReportDestination(value: string, setting: string): string {
  const place = parseSourceUri(value, setting);
  return place.kind === 'local' ? place.dir : `s3://${place.bucket}/${place.prefix}`;
}
