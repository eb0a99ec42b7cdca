/**
 * What a run's listing returns, put together from its two parts (the event logs and the rest,
 * src/activities/listing.ts). Workflow-safe: no I/O.
 */
import type { ListedFiles, StageResult } from './types';

/** Skipped files a run summary lists by name (all of them are in etl_skipped_files). */
export const SKIPPED_SAMPLE_LIMIT = 20;

/** Dates without a log a run summary lists by name. */
export const DATES_WITHOUT_LOG_SAMPLE_LIMIT = 20;

/** The two parts' counts added up, and their skipped samples, the event logs' first, up to the limit. */
export function bothListingParts(events: ListedFiles, songs: ListedFiles): ListedFiles {
  return {
    eventFiles: events.eventFiles + songs.eventFiles,
    songFiles: events.songFiles + songs.songFiles,
    eventBytes: events.eventBytes + songs.eventBytes,
    songBytes: events.songBytes + songs.songBytes,
    songFilesUnchanged: (events.songFilesUnchanged ?? 0) + (songs.songFilesUnchanged ?? 0),
    skippedFiles: (events.skippedFiles ?? 0) + (songs.skippedFiles ?? 0),
    skippedSamples: [...(events.skippedSamples ?? []), ...(songs.skippedSamples ?? [])].slice(0, SKIPPED_SAMPLE_LIMIT),
    // Only the event logs' part lists dates.
    ...(events.datesWithoutLog ? { datesWithoutLog: events.datesWithoutLog } : {}),
  };
}

/**
 * `files` with the song files staging skipped (unreadable, compressed bytes: StageResult.skipped)
 * taken from the song files and added to the skipped ones, after the listing's own samples. Their
 * bytes stay in the listed bytes: staging knows the sizes of its first few only.
 */
export function withFilesSkippedInStaging(files: ListedFiles, songs: StageResult): ListedFiles {
  if (!songs.skipped) return files;
  return {
    ...files,
    songFiles: files.songFiles - songs.skipped.count,
    skippedFiles: (files.skippedFiles ?? 0) + songs.skipped.count,
    skippedSamples: [...(files.skippedSamples ?? []), ...songs.skipped.samples].slice(0, SKIPPED_SAMPLE_LIMIT),
  };
}
