/**
 * Which source files a run loads, and why it skips the others. Every file listed under the
 * source ends the run accounted for: in the run's file list (etl_run_files, then the load
 * ledger) or in etl_skipped_files with a reason (and in the run summary). Nothing is ignored in
 * silence, and no file name or content that cannot be loaded reaches a later step.
 */
import { dateProblem, datesBetween } from '../etl/dates';
import type { RunWindow, SkippedFile } from '../etl/types';
import { EVENT_LOG_LAYOUT, EVENT_LOG_ROOT, eventLogMonthPrefix, SONG_DATA_ROOT, type Source, type SourceObject } from '../source';
import { mapConcurrent } from '../source/concurrent';
import { compressedContentReason, MAGIC_BYTES, unreadableCode } from '../source/unreadable';

// Song files are named by track id in the real data (TR….json); the name is not checked, the layout is.
export const SONG_FILE_LAYOUT = 'song_data/A/B/C/NAME.json';

const EVENT_LOG_KEY = /^log_data\/(\d{4})\/(\d{2})\/((\d{4})-(\d{2})-\d{2})-events\.json$/;
const SONG_FILE_KEY = /^song_data\/[A-Za-z0-9]\/[A-Za-z0-9]\/[A-Za-z0-9]\/[^/]+\.json$/;
const COMPRESSED = /\.(gz|gzip|bz2|zip|zst|xz|lz4|snappy|br)$/i;
/** Longest source key kept: keys are stored and shown; a longer name is skipped, not truncated. */
export const MAX_KEY_LENGTH = 1024;

export type Classified = { kind: 'events'; date: string } | { kind: 'songs' } | { skip: string };

/** What a key is by its name and size alone: an event log of a date, a song file, or skipped (why). */
export function classifyKey(key: string, size: number): Classified {
  if (key.length > MAX_KEY_LENGTH) return { skip: `name longer than ${MAX_KEY_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\ufffd]/.test(key)) return { skip: 'name holds control characters or bytes that are not UTF-8' };
  const compressed = COMPRESSED.exec(key);
  if (compressed) return { skip: `compressed file (.${compressed[1].toLowerCase()}): the pipeline reads plain JSON only; store it uncompressed` };
  const isEvents = key.startsWith(EVENT_LOG_ROOT);
  const isSongs = key.startsWith(SONG_DATA_ROOT);
  if (!isEvents && !isSongs) return { skip: `outside ${EVENT_LOG_ROOT} and ${SONG_DATA_ROOT}` };
  if (!/\.json$/i.test(key)) return { skip: 'not a .json file' };
  let classified: Classified;
  if (isEvents) {
    const m = EVENT_LOG_KEY.exec(key);
    if (!m) return { skip: `name does not fit ${EVENT_LOG_LAYOUT}` };
    const [, year, month, date, dateYear, dateMonth] = m;
    const problem = dateProblem(date);
    if (problem) return { skip: `date in the name ${problem}` };
    if (year !== dateYear || month !== dateMonth) return { skip: `date ${date} is filed under ${year}/${month}, not ${dateYear}/${dateMonth}` };
    classified = { kind: 'events', date };
  } else {
    if (!SONG_FILE_KEY.test(key)) return { skip: `name does not fit ${SONG_FILE_LAYOUT}` };
    classified = { kind: 'songs' };
  }
  if (size === 0) return { skip: 'empty file (0 bytes)' };
  return classified;
}

/**
 * Reads the first bytes of an object: a reason to skip it (unreadable, empty, compressed content),
 * or null when it can be staged. Errors that may pass (network, throttling) are thrown, so the
 * activity is retried rather than the file skipped.
 */
export async function probeObject(source: Source, key: string): Promise<string | null> {
  let head: Buffer;
  try {
    head = await source.readHead(key, MAGIC_BYTES);
  } catch (err) {
    const code = unreadableCode(err);
    if (code) return `unreadable (${code})`;
    throw err;
  }
  if (head.length === 0) return 'empty file (0 bytes)';
  return compressedContentReason(head);
}

/**
 * `report`, called at most once per `intervalMs` (the first call always reports). A heartbeat per
 * file is not free: each one the SDK takes is serialized and handed to its core, which at tens of
 * thousands of files cost more than the listing itself. Every activity also beats every few seconds
 * whatever it does (keepaliveInterceptor), so a slow file cannot starve the heartbeat timeout.
 */
export function atMostEvery<T>(intervalMs: number, report: (value: T) => void, now: () => number = () => performance.now()): (value: T) => void {
  let last = -Infinity;
  return (value) => {
    const at = now();
    if (at - last < intervalMs) return;
    last = at;
    report(value);
  };
}

/**
 * Which files a listing covers: the event logs (under log_data/), the rest (song files, and
 * without a window every file outside log_data/ too), or both. Every listed key falls in exactly
 * one of the two parts, so the parts can be listed apart, at the same time, and account for the
 * same files as one listing of both.
 */
export type ListingPart = 'events' | 'songs' | 'all';

/** The kinds of etl_run_files rows (`runFiles`) and etl_skipped_files rows (`skipped`) a part writes. */
export function listingKinds(part: ListingPart): { runFiles: string[]; skipped: string[] } {
  if (part === 'events') return { runFiles: ['events'], skipped: ['events'] };
  if (part === 'songs') return { runFiles: ['songs'], skipped: ['songs', 'other'] };
  return { runFiles: ['events', 'songs'], skipped: ['events', 'songs', 'other'] };
}

/** The prefixes a part lists, and whether keys of event logs under them belong to the other part. */
function listingPrefixes(window: RunWindow | null, part: ListingPart): { prefixes: string[]; leaveEventLogs: boolean } {
  const months = window ? [...new Set(datesBetween(window.from, window.to).map(eventLogMonthPrefix))] : [EVENT_LOG_ROOT];
  if (part === 'events') return { prefixes: months, leaveEventLogs: false };
  if (part === 'songs') return { prefixes: window ? [SONG_DATA_ROOT] : [''], leaveEventLogs: true };
  return { prefixes: window ? [...months, SONG_DATA_ROOT] : [''], leaveEventLogs: false };
}

export interface SourceListing {
  events: SourceObject[];
  songs: SourceObject[];
  skipped: SkippedFile[];
}

/**
 * Lists what a run covers. With a window: the month folders of its dates (so a misnamed file
 * beside the window's logs is reported, not missed) and every song file. Without: everything
 * under the source, so files outside log_data/ and song_data/ are reported too. Event logs of
 * dates outside the window belong to other runs and are left out without a word. `part` narrows
 * this to the event logs or to the rest (ListingPart).
 *
 * Yields the listing in batches of at most `batchSize` listed files, in the source's key order,
 * so a caller can record each batch and let it go: memory is one batch, not the whole source
 * (71,000 song files at the benchmark's largest size).
 */
export async function* listSourceBatches(
  source: Source,
  window: RunWindow | null,
  batchSize: number,
  onProgress: (listed: number) => void,
  part: ListingPart = 'all',
): AsyncGenerator<SourceListing> {
  const { prefixes, leaveEventLogs } = listingPrefixes(window, part);
  let listed = 0;
  let batch: SourceListing = { events: [], songs: [], skipped: [] };
  let inBatch = 0;
  for (const prefix of prefixes) {
    for await (const obj of source.list(prefix)) {
      // An S3 "folder" (a key ending in '/', made by consoles) is not a file.
      if (obj.key.endsWith('/')) continue;
      if (leaveEventLogs && obj.key.startsWith(EVENT_LOG_ROOT)) continue;
      const classified: Classified = obj.skip === undefined ? classifyKey(obj.key, obj.size) : { skip: obj.skip };
      if ('skip' in classified) {
        batch.skipped.push({ sourceKey: obj.key, etag: obj.etag, size: obj.size, reason: classified.skip });
      } else if (classified.kind === 'songs') {
        batch.songs.push({ key: obj.key, etag: obj.etag, size: obj.size });
      } else if (!window || (classified.date >= window.from && classified.date <= window.to)) {
        batch.events.push({ key: obj.key, etag: obj.etag, size: obj.size });
      }
      onProgress(++listed);
      if (++inBatch >= batchSize) {
        yield batch;
        batch = { events: [], songs: [], skipped: [] };
        inBatch = 0;
      }
    }
  }
  onProgress(listed);
  if (inBatch > 0) yield batch;
}

/** The whole listing at once (listSourceBatches, gathered): for tests and small sources. */
export async function listSource(source: Source, window: RunWindow | null, onProgress: (listed: number) => void): Promise<SourceListing> {
  const listing: SourceListing = { events: [], songs: [], skipped: [] };
  for await (const batch of listSourceBatches(source, window, 10_000, onProgress)) {
    listing.events.push(...batch.events);
    listing.songs.push(...batch.songs);
    listing.skipped.push(...batch.skipped);
  }
  return listing;
}

/**
 * Probes the files a run will stage, as many at a time as the source says suits it (a local disk
 * or S3's latency); moves those that cannot be read to `skipped`.
 */
export async function dropUnreadable(
  source: Source,
  files: SourceObject[],
  skipped: SkippedFile[],
  onProgress: (probed: number) => void = () => undefined,
  concurrency = source.smallReadConcurrency,
): Promise<SourceObject[]> {
  let done = 0;
  const reasons = await mapConcurrent(files, concurrency, async (file) => {
    const reason = await probeObject(source, file.key);
    onProgress(++done);
    return reason;
  });
  const readable: SourceObject[] = [];
  files.forEach((file, i) => {
    const reason = reasons[i];
    if (reason === null) readable.push(file);
    else skipped.push({ sourceKey: file.key, etag: file.etag, size: file.size, reason });
  });
  return readable;
}
