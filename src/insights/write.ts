import { PutObjectCommand } from '@aws-sdk/client-s3';
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

/** A file name from a workflow id (which may hold characters a file system dislikes). */
export function reportFileName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9._-]+/g, '_')}.html`;
}

/**
 * Writes an HTML report into a local directory or under an s3://bucket/prefix, replacing any
 * earlier one of the same name (so a retried write is harmless); returns where it went.
 */
export async function writeHtmlReport(html: string, options: { to: string; fileName: string; s3: S3Settings }): Promise<string> {
  const place = parseSourceUri(options.to, 'report destination');
  if (place.kind === 'local') {
    fs.mkdirSync(place.dir, { recursive: true });
    const file = path.join(place.dir, options.fileName);
    const partial = `${file}.partial`;
    fs.writeFileSync(partial, html);
    fs.renameSync(partial, file);
    return file;
  }
  const key = place.prefix + options.fileName;
  const client = createS3Client(options.s3);
  try {
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
