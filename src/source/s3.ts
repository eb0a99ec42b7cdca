import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PassThrough, type Readable } from 'node:stream';
import { ListedFileGone } from './listedFileGone';
import type { ObjectUrls, Source, SourceObject } from './types';

/** At most the first `bytes` bytes of a stream, which is then closed. */
async function readUpTo(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      length += buffer.length;
      if (length >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/**
 * `err` with the object's URL at the front of its message (an SDK error names no key: "the request
 * socket timed out after 60000 ms of inactivity"), keeping the fields callers tell errors apart by.
 */
function namedS3Error(url: string, err: unknown): Error {
  if (!(err instanceof Error)) return new Error(`${url}: ${String(err)}`);
  const named = new Error(`${url}: ${err.message}`, { cause: err });
  const fields = err as Error & { code?: unknown; Code?: unknown; $metadata?: unknown; $fault?: unknown };
  return Object.assign(named, { name: err.name, code: fields.code, Code: fields.Code, $metadata: fields.$metadata, $fault: fields.$fault });
}

/** The body, whose failure (a cut, a stall past the idle limit) names the object; destroying it destroys the body. */
function withNamedErrors(body: Readable, url: string): Readable {
  const out = new PassThrough({ readableHighWaterMark: body.readableHighWaterMark });
  body.on('error', (err) => out.destroy(namedS3Error(url, err)));
  out.once('close', () => body.destroy());
  return body.pipe(out);
}

export class S3Source implements Source, ObjectUrls {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** Empty, or ends with '/'. */
    private readonly rootPrefix: string,
  ) {}

  get description(): string {
    return `s3://${this.bucket}/${this.rootPrefix}`;
  }

  async *list(prefix: string): AsyncIterable<SourceObject> {
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.rootPrefix + prefix, ContinuationToken: token }))
        .catch((err: unknown) => {
          throw namedS3Error(`listing s3://${this.bucket}/${this.rootPrefix}${prefix}`, err);
        });
      for (const obj of page.Contents ?? []) {
        if (!obj.Key || obj.Key.endsWith('/')) continue;
        yield {
          key: obj.Key.slice(this.rootPrefix.length),
          etag: (obj.ETag ?? '').replace(/"/g, ''),
          size: obj.Size ?? 0,
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Each small read (a file's first bytes, a whole song file) waits a round trip to S3 (tens of
   * milliseconds): keep many in flight, just under the SDK's pool of 50 sockets per client, so none
   * waits for a socket.
   */
  readonly smallReadConcurrency = 48;

  async readHead(key: string, bytes: number): Promise<Buffer> {
    let res;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.rootPrefix + key, Range: `bytes=0-${bytes - 1}` }));
    } catch (err) {
      // S3 answers a range on an empty object with 416 InvalidRange: there are no bytes to read.
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
      throw namedS3Error(this.url(key), err);
    }
    if (!res.Body) throw new Error(`s3://${this.bucket}/${this.rootPrefix}${key} has no body`);
    // Some S3-compatible stores answer the range of an empty object with "bytes 0-0/0" and a body
    // they never send: the total says there is nothing to read.
    if (/\/0$/.test(res.ContentRange ?? '')) {
      (res.Body as Readable).destroy();
      return Buffer.alloc(0);
    }
    // A store that ignores Range sends the whole object: read only what was asked for.
    return readUpTo(withNamedErrors(res.Body as Readable, this.url(key)), bytes);
  }

  async open(key: string): Promise<Readable> {
    let res;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.rootPrefix + key }));
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') throw new ListedFileGone(this.url(key), 'NoSuchKey');
      throw namedS3Error(this.url(key), err);
    }
    if (!res.Body) throw new Error(`s3://${this.bucket}/${this.rootPrefix}${key} has no body`);
    return withNamedErrors(res.Body as Readable, this.url(key));
  }

  /** The s3:// URL of a key, as Redshift's COPY and manifests want it. */
  url(key: string): string {
    return `s3://${this.bucket}/${this.rootPrefix}${key}`;
  }
}
