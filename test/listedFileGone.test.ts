import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/errors';
import { LocalSource, S3Source } from '../src/source';
import { readCapped } from '../src/staging/rawLines';
import { startS3, type S3Server } from './harness/s3';

/**
 * A file deleted between the run's listing and its staging: every attempt of the step reads the
 * same file list, so the read fails non-retryably, naming the file (it was retried for about ten
 * minutes, then failed with the SDK's "The specified key does not exist." and no key).
 */
const BUCKET = 'gone';
const KEY = 'song_data/A/B/C/TRGONE.json';

let s3: S3Server;
let dir: string;
beforeAll(async () => {
  s3 = await startS3();
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-gone-'));
});
afterAll(async () => {
  await s3?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(read: Promise<unknown>): Promise<Error> {
  return read.then(
    () => new Error('the read succeeded'),
    (err: Error) => err,
  );
}

test('an S3 object gone since listing fails its read at once, non-retryably, naming the object', async () => {
  await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: '{"song_id":"S1"}' }));
  const source = new S3Source(s3.client(), BUCKET, '');
  const listed = [];
  for await (const o of source.list('song_data/')) listed.push(o.key);
  expect(listed).toEqual([KEY]);
  await s3.client().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));

  for (const err of [await failure(source.open(KEY)), await failure(readCapped(source, KEY, 1024))]) {
    expect(err.message).toBe(
      `s3://${BUCKET}/${KEY} was listed by this run and is gone now (NoSuchKey): the source changed during the run; run it again to list the source anew`,
    );
    expect(NON_RETRYABLE_ERROR_TYPES).toContain(err.name);
  }
});

test('so does a local file, by open and by a whole read', async () => {
  const file = path.join(dir, ...KEY.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"song_id":"S1"}');
  const source = new LocalSource(dir);
  expect((await readCapped(source, KEY, 1024)).content.toString()).toBe('{"song_id":"S1"}');
  fs.rmSync(file);

  for (const err of [await failure(source.open(KEY)), await failure(readCapped(source, KEY, 1024))]) {
    expect(err.message).toBe(`${file} was listed by this run and is gone now (ENOENT): the source changed during the run; run it again to list the source anew`);
    expect(NON_RETRYABLE_ERROR_TYPES).toContain(err.name);
  }
  // The listing's probe still skips a file that is gone by then, with its reason.
  await expect(source.readHead(KEY, 16)).rejects.toMatchObject({ code: 'ENOENT' });
});
