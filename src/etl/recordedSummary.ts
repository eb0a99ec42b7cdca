/**
 * The run summary as etl_runs records it (sql/etl/record_run.sql): JSON text that fits Redshift's
 * VARCHAR(65535), the widest text column it has. The summary's samples (skipped files, rejects,
 * failing keys) are capped in count, but each names an S3 key of up to 1,024 bytes, so a run with
 * many long keys could pass 64 KB and fail its last step after all its work was published. Samples
 * are dropped here until the text fits; every count stays, and every dropped sample is still in
 * the table it came from (etl_skipped_files, etl_rejected_records, the checked table).
 */
import type { RunSummary } from './types';

/** Bytes a recorded summary may take: Redshift's VARCHAR(65535), on every engine alike. */
export const RECORDED_SUMMARY_MAX_BYTES = 65_535;

/**
 * The text's bytes, and one more for each `'` and `\`: a Redshift literal doubles them, so a text
 * within the limit also keeps record_run's statement within the Data API's 100 KB.
 */
export function recordedBytes(text: string): number {
  let escapes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x27 || c === 0x5c) escapes++;
  }
  return Buffer.byteLength(text, 'utf8') + escapes;
}

/** What recordedSummary returns: the JSON to record, and how many samples it left out. */
export interface RecordedSummary {
  json: string;
  samplesLeftOut: number;
}

/**
 * The summary as JSON of at most maxBytes (recordedBytes). While it is longer, the last sample of
 * the longest sample list goes; the JSON then says how many went (`samplesLeftOut`). Throws if it
 * is still too long with every sample gone.
 */
export function recordedSummary(summary: RunSummary, maxBytes: number = RECORDED_SUMMARY_MAX_BYTES): RecordedSummary {
  let json = JSON.stringify(summary);
  if (recordedBytes(json) <= maxBytes) return { json, samplesLeftOut: 0 };
  const trimmed = structuredClone(summary);
  const lists: unknown[][] = [
    trimmed.rejected.samples,
    trimmed.staging.events.rejectSamples,
    trimmed.staging.songs.rejectSamples,
    ...(trimmed.skipped ? [trimmed.skipped.samples] : []),
    ...trimmed.checks.map((c) => c.sampleKeys),
  ];
  const sizes = lists.map((list) => list.map((item) => recordedBytes(JSON.stringify(item)) + 1));
  let samplesLeftOut = 0;
  const record = () => JSON.stringify({ ...trimmed, samplesLeftOut });
  for (json = record(); recordedBytes(json) > maxBytes; json = record()) {
    let longest = -1;
    let longestBytes = 0;
    sizes.forEach((itemSizes, i) => {
      const bytes = itemSizes.reduce((a, b) => a + b, 0);
      if (bytes > longestBytes) [longest, longestBytes] = [i, bytes];
    });
    if (longest < 0) {
      throw new Error(`run ${summary.runId}: its summary is ${recordedBytes(json)} bytes with every sample left out, more than etl_runs records (${maxBytes})`);
    }
    lists[longest].pop();
    sizes[longest].pop();
    samplesLeftOut++;
  }
  return { json, samplesLeftOut };
}
