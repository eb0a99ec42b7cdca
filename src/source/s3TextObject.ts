import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Bytes of text held before they go up as one part. S3 takes parts of at least 5 MiB (but the
 * last); a manifest under this size is one plain PUT, as nearly every run's is.
 */
export const TEXT_PART_BYTES = 8 * 1024 * 1024;

function bucketAndKey(url: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`${url} is not an s3://bucket/key URL`);
  return { Bucket: m[1], Key: m[2] };
}

/**
 * Writes a text object (a COPY manifest, a JSONPaths file) at an s3:// URL. Text given as pieces is
 * never held whole: past `partBytes` it goes up as a multipart upload, a part at a time, and a
 * failed upload is aborted so that no parts are left behind.
 */
export async function putTextObject(s3: S3Client, url: string, body: string | AsyncIterable<string>, partBytes = TEXT_PART_BYTES): Promise<void> {
  const target = bucketAndKey(url);
  const put = (text: string) => s3.send(new PutObjectCommand({ ...target, Body: text, ContentType: 'application/json' }));
  if (typeof body === 'string') {
    await put(body);
    return;
  }
  let held: string[] = [];
  let heldBytes = 0;
  let uploadId: string | undefined;
  const parts: { ETag: string | undefined; PartNumber: number }[] = [];
  const sendPart = async () => {
    uploadId ??= (await s3.send(new CreateMultipartUploadCommand({ ...target, ContentType: 'application/json' }))).UploadId;
    const PartNumber = parts.length + 1;
    const { ETag } = await s3.send(new UploadPartCommand({ ...target, UploadId: uploadId, PartNumber, Body: Buffer.from(held.join(''), 'utf8') }));
    parts.push({ ETag, PartNumber });
    held = [];
    heldBytes = 0;
  };
  try {
    for await (const piece of body) {
      held.push(piece);
      heldBytes += Buffer.byteLength(piece, 'utf8');
      if (heldBytes >= partBytes) await sendPart();
    }
    if (uploadId === undefined) {
      await put(held.join(''));
      return;
    }
    if (heldBytes > 0) await sendPart();
    await s3.send(new CompleteMultipartUploadCommand({ ...target, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    if (uploadId !== undefined) await s3.send(new AbortMultipartUploadCommand({ ...target, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
