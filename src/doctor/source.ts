import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import type { SourceConfig } from '../config';
import { createS3Client, type S3Settings } from '../source/s3Client';
import { classifyAwsError, describeAwsError } from './aws';
import { ok, problem, unchecked, type CheckResult } from './types';

const LOG_FILE = /(^|\/)\d{4}-\d{2}-\d{2}-events\.json$/;
const SONG_FILE = /\.json$/;

export interface SourceFindings {
  results: CheckResult[];
  /** A log file's key, to test the COPY role against a real object. */
  sampleLogKey?: string;
}

function layoutResult(where: string, logs: string[], songs: string[]): CheckResult {
  const title = 'source layout';
  const logOk = logs.filter((k) => LOG_FILE.test(k));
  const songOk = songs.filter((k) => SONG_FILE.test(k));
  const missing: string[] = [];
  if (logOk.length === 0) missing.push(`no event logs named log_data/…/YYYY-MM-DD-events.json${logs.length ? ` (found e.g. ${logs[0]})` : ''}`);
  if (songOk.length === 0) missing.push('no song files (song_data/…/*.json)');
  if (missing.length > 0) {
    return problem('source.layout', title, `${where}: ${missing.join('; ')}`, `point --source at the folder that holds log_data/ and song_data/ (e.g. ${where.replace(/\/?$/, '')}/data), or generate a set with sparkify generate`);
  }
  return ok('source.layout', title, `${where}: event logs (e.g. ${path.posix.basename(logOk[0])}) and song files found`);
}

function listLocal(dir: string, limit: number): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    if (found.length >= limit) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= limit) return;
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) found.push(full);
    }
  };
  walk(dir);
  return found;
}

export function checkLocalSource(dir: string): SourceFindings {
  const title = 'source readable';
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? `${dir} does not exist` : code === 'ENOTDIR' ? `${dir} is not a directory` : `${dir} is not readable (${code})`;
    return { results: [problem('source.readable', title, detail, 'give --source (or SPARKIFY_SOURCE) as an existing directory holding log_data/ and song_data/')] };
  }
  const logs = listLocal(path.join(dir, 'log_data'), 20).map((f) => path.relative(dir, f).split(path.sep).join('/'));
  const songs = listLocal(path.join(dir, 'song_data'), 20).map((f) => path.relative(dir, f).split(path.sep).join('/'));
  return { results: [ok('source.readable', title, `${dir} is readable`), layoutResult(dir, logs, songs)] };
}

export async function checkS3Source(source: Extract<SourceConfig, { kind: 's3' }>, s3: S3Settings): Promise<SourceFindings> {
  const where = `s3://${source.bucket}/${source.prefix}`;
  const title = 'source readable';
  const client = createS3Client(s3);
  try {
    const list = async (folder: string): Promise<string[]> => {
      const out = await client.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: `${source.prefix}${folder}`, MaxKeys: 50 }));
      return (out.Contents ?? []).map((o) => o.Key ?? '').filter(Boolean);
    };
    let logs: string[];
    let songs: string[];
    try {
      logs = await list('log_data/');
      songs = await list('song_data/');
    } catch (err) {
      const kind = classifyAwsError(err);
      const name = (err as { name?: string }).name;
      if (name === 'NoSuchBucket' || (kind === 'notFound' && name !== 'NoSuchKey')) {
        return { results: [problem('source.readable', title, `bucket not found: ${source.bucket} (${describeAwsError(err)})`, `check the bucket name in --source and the region (AWS_REGION); create it or point --source at s3://<existing-bucket>/${source.prefix}`)] };
      }
      if (kind === 'denied') {
        return {
          results: [
            problem(
              'source.readable',
              title,
              `access denied listing ${where} (${describeAwsError(err)})`,
              `allow s3:ListBucket on arn:aws:s3:::${source.bucket} for prefixes ${source.prefix}log_data/* and ${source.prefix}song_data/* to this identity (the worker policy in infra/policies.ts), and s3:GetObject on them when another warehouse than Redshift reads the files`,
            ),
          ],
        };
      }
      return { results: [unchecked('source.readable', title, `could not list ${where}: ${describeAwsError(err)}`, 'check the network path to S3 and SPARKIFY_S3_ENDPOINT')] };
    }
    const sampleLogKey = logs.find((k) => LOG_FILE.test(k)) ?? logs[0];
    if (sampleLogKey) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: source.bucket, Key: sampleLogKey, Range: 'bytes=0-0' }));
        await object.Body?.transformToByteArray();
      } catch (err) {
        if (classifyAwsError(err) === 'denied') {
          return {
            results: [
              ok('source.readable', title, `${where} lists`),
              problem('source.objects', 'source objects readable', `access denied reading s3://${source.bucket}/${sampleLogKey}`, `allow s3:GetObject on arn:aws:s3:::${source.bucket}/${source.prefix}log_data/* and …/song_data/* (needed unless the warehouse is Redshift, whose COPY role reads them)`),
              layoutResult(where, logs, songs),
            ],
            sampleLogKey,
          };
        }
      }
    }
    return { results: [ok('source.readable', title, `${where} lists and reads`), layoutResult(where, logs, songs)], sampleLogKey };
  } finally {
    client.destroy();
  }
}
