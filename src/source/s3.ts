import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ObjectUrls, Source, SourceObject } from './types';

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
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.rootPrefix + prefix, ContinuationToken: token }),
      );
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

  async open(key: string): Promise<Readable> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.rootPrefix + key }));
    if (!res.Body) throw new Error(`s3://${this.bucket}/${this.rootPrefix}${key} has no body`);
    return res.Body as Readable;
  }

  /** The s3:// URL of a key, as Redshift's COPY and manifests want it. */
  url(key: string): string {
    return `s3://${this.bucket}/${this.rootPrefix}${key}`;
  }
}
