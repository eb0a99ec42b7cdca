import { PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { parseSourceUri, type WarehouseConfig } from '../config';
import { createS3Client, type S3Settings } from '../source/s3Client';

/** Where reports go when a run names no place and the warehouse is not a local file. */
export const DEFAULT_REPORT_DIR = '.sparkify/reports';

/**
 * A run's report goes beside its DuckDB file when it has one (`.sparkify/reports/` for the
 * quickstart warehouse), else into the worker's report directory (`.sparkify/reports/` under its
 * working directory unless configured).
 */
export function defaultReportDir(warehouse: WarehouseConfig, workerReportDir = DEFAULT_REPORT_DIR): string {
  return warehouse.kind === 'duckdb' && warehouse.path !== ':memory:' ? path.join(path.dirname(warehouse.path), 'reports') : workerReportDir;
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
