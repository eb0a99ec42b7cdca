import type { SourceConfig } from '../config';
import { LocalSource } from './local';
import { S3Source } from './s3';
import { createS3Client, s3SettingsFromEnv, type S3Settings } from './s3Client';
import type { Source } from './types';

export type { LocalFiles, ObjectUrls, Source, SourceObject } from './types';
export { hasLocalFiles, hasObjectUrls } from './types';
export { LocalSource, S3Source };

export function openSource(config: SourceConfig, s3: S3Settings = s3SettingsFromEnv()): Source {
  if (config.kind === 'local') return new LocalSource(config.dir);
  return new S3Source(createS3Client(s3), config.bucket, config.prefix);
}

/** The folder of a day's month among the event logs: `log_data/YYYY/MM/`. */
export function eventLogMonthPrefix(date: string): string {
  const [y, m] = date.split('-');
  return `log_data/${y}/${m}/`;
}

/** Keys of the event logs for one day: `log_data/YYYY/MM/YYYY-MM-DD-events.json`. */
export function eventLogPrefixForDate(date: string): string {
  return `${eventLogMonthPrefix(date)}${date}`;
}

export const EVENT_LOG_ROOT = 'log_data/';
export const EVENT_LOG_LAYOUT = 'log_data/YYYY/MM/YYYY-MM-DD-events.json';

const EVENT_LOG_DATE = /\/(\d{4}-\d{2}-\d{2})-events\.json$/;

/** The date in an event log's name (`…/YYYY-MM-DD-events.json`), if it has one. */
export function eventLogDate(key: string): string | undefined {
  return EVENT_LOG_DATE.exec(key)?.[1];
}
export const SONG_DATA_ROOT = 'song_data/';
