/**
 * A COPY manifest names every file a run loads, and a song list can run to millions of files: it
 * goes to S3 a part at a time (src/source/s3TextObject.ts), never held whole. Against moto, which
 * keeps S3's rules for multipart uploads (parts of at least 5 MiB, aborts, the uploads in progress).
 */
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { putTextObject } from '../src/source/s3TextObject';
import { manifestPieces } from '../src/warehouse/redshift/copy';
import { createS3Client } from '../src/source/s3Client';
import { startMoto, MOTO_REGION, type MotoServer } from './harness/moto';

const BUCKET = 'manifests';
/** S3's smallest part but the last. */
const PART_BYTES = 5 * 1024 * 1024;

let moto: MotoServer;
let s3: S3Client;
beforeAll(async () => {
  moto = await startMoto();
  s3 = createS3Client({ endpoint: moto.endpoint, region: MOTO_REGION, forcePathStyle: true, accessKeyId: moto.env.AWS_ACCESS_KEY_ID, secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

/** The client with the name of every command it sends recorded. */
function recording(client: S3Client): { client: S3Client; sent: string[] } {
  const sent: string[] = [];
  const recorded = Object.create(client) as S3Client;
  recorded.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    sent.push(command.constructor.name.replace(/Command$/, ''));
    return (client.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as S3Client['send'];
  return { client: recorded, sent };
}

async function* urls(count: number, failAt?: number): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error(`the file list failed at ${i}`);
    yield `s3://songs/song_data/A/B/C/TR${String(i).padStart(8, '0')}.json`;
  }
}

async function text(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToString();
}

test('a manifest larger than a part goes up in parts, and reads back as every entry in order', async () => {
  const files = 150_000; // about 11 MiB of manifest: three parts of 5 MiB or less
  const { client, sent } = recording(s3);
  await putTextObject(client, `s3://${BUCKET}/big.manifest`, manifestPieces(urls(files)), PART_BYTES);
  expect(sent).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
  const manifest = JSON.parse(await text('big.manifest')) as { entries: { url: string; mandatory: boolean }[] };
  expect(manifest.entries).toHaveLength(files);
  expect(manifest.entries[0]).toEqual({ url: 's3://songs/song_data/A/B/C/TR00000000.json', mandatory: true });
  expect(manifest.entries[files - 1]).toEqual({ url: `s3://songs/song_data/A/B/C/TR${String(files - 1).padStart(8, '0')}.json`, mandatory: true });
  expect(manifest.entries.every((e, i) => e.url.endsWith(`TR${String(i).padStart(8, '0')}.json`) && e.mandatory)).toBe(true);
});

test('a manifest smaller than a part is one plain PUT; an empty list is a manifest of no entries', async () => {
  const { client, sent } = recording(s3);
  await putTextObject(client, `s3://${BUCKET}/small.manifest`, manifestPieces(urls(3)), PART_BYTES);
  await putTextObject(client, `s3://${BUCKET}/empty.manifest`, manifestPieces(urls(0)), PART_BYTES);
  expect(sent).toEqual(['PutObject', 'PutObject']);
  expect((JSON.parse(await text('small.manifest')) as { entries: unknown[] }).entries).toHaveLength(3);
  expect(JSON.parse(await text('empty.manifest'))).toEqual({ entries: [] });
});

test('a file list that fails part way aborts the upload: no manifest, no parts left behind', async () => {
  const { client, sent } = recording(s3);
  await expect(putTextObject(client, `s3://${BUCKET}/failed.manifest`, manifestPieces(urls(150_000, 100_000)), PART_BYTES)).rejects.toThrow('the file list failed at 100000');
  expect(sent).toEqual(['CreateMultipartUpload', 'UploadPart', 'AbortMultipartUpload']);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'failed' }));
  expect(listed.KeyCount ?? 0).toBe(0);
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
  expect(uploads.Uploads ?? []).toEqual([]);
});
