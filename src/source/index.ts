import type { SourceConfig } from '../config';
import { LocalSource } from './local';
import { S3Source } from './s3';
import { createS3Client, s3SettingsFromEnv, type S3Settings } from './s3Client';
import type { Source } from './types';

export type { LocalFiles, ObjectUrls, Source, SourceObject } from './types';
export { hasLocalFiles, hasObjectUrls } from './types';
export { LocalSource, S3Source };
export * from './layout';

export function openSource(config: SourceConfig, s3: S3Settings = s3SettingsFromEnv()): Source {
  if (config.kind === 'local') return new LocalSource(config.dir);
  return new S3Source(createS3Client(s3), config.bucket, config.prefix);
}
