import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3FaultProxy, type S3FaultProxy } from '../src/chaos/s3FaultProxy';
import { S3Source } from '../src/source';
import { createS3Client } from '../src/source/s3Client';
import { startS3, type S3Server } from './harness/s3';

/**
 * An S3 download that stops sending halfway and leaves its connection open (a lost path, a dead
 * middlebox: no error, no more bytes) fails the read after the client's idle limit, naming the
 * object, instead of holding the step until its 6-hour timeout while the keepalive heartbeats on.
 */
const BUCKET = 'stalls';
const KEY = 'log_data/2018/11/2018-11-01-events.json';
const BODY = Buffer.from(`${'{"page":"Home"}\n'.repeat(20_000)}`);

let s3: S3Server;
let proxy: S3FaultProxy;
beforeAll(async () => {
  s3 = await startS3();
  await s3.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: BODY }));
  proxy = await startS3FaultProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

async function readAll(source: S3Source): Promise<number> {
  let bytes = 0;
  for await (const chunk of await source.open(KEY)) bytes += (chunk as Buffer).length;
  return bytes;
}

/** The read's outcome, or 'still reading' after `ms`. */
async function outcomeWithin(read: Promise<number>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still reading'), ms)));
  try {
    return await Promise.race([read.then((n) => `read ${n} bytes`, (err: Error) => `failed: ${err.message}`), waited]);
  } finally {
    clearTimeout(timer);
  }
}

test('a download that stalls halfway fails after the idle limit, naming the object', async () => {
  const client = createS3Client({ ...s3.settings, endpoint: proxy.endpoint, readTimeoutMs: 1_000 });
  const source = new S3Source(client, BUCKET, '');
  proxy.enable({ errors: 0, drops: 0, stalls: 1 });
  try {
    const outcome = await outcomeWithin(readAll(source), 15_000);
    expect(outcome).toMatch(/^failed: /);
    expect(outcome).toContain(`s3://${BUCKET}/${KEY}`);
    expect(outcome).toMatch(/timed out after 1000 ms of inactivity/);
    expect(proxy.counts.stalledMidObject).toBe(1);
  } finally {
    proxy.disable();
    client.destroy();
  }
}, 30_000);

test('the same read, not stalled, is whole', async () => {
  const client = createS3Client({ ...s3.settings, endpoint: proxy.endpoint, readTimeoutMs: 1_000 });
  try {
    expect(await readAll(new S3Source(client, BUCKET, ''))).toBe(BODY.length);
  } finally {
    client.destroy();
  }
});
