/**
 * A run summary as wide as the pipeline can make one: every sample list full (5 rejects per kind,
 * listed again under `rejected`; 20 skipped files; 5 failing keys for each of 20 checks), each
 * sample naming an S3 key of 1,024 bytes (S3's longest) with quotes, backslashes and characters
 * of 2 and 4 bytes in it, and reasons quoting 80 characters of a value, as records.ts quotes them.
 */
import type { CheckResult, RejectSample, RunSummary, SkippedFile } from '../../src/etl/types';

const S3_KEY_MAX_BYTES = 1024;

/** An S3 key of exactly 1,024 bytes under `prefix`, ending in `n` and `suffix`. */
function longKey(prefix: string, n: number, suffix: string): string {
  const head = `${prefix}${n}-`;
  const filler = `it's "café" \\ 𝄞 mix `;
  let key = head;
  while (Buffer.byteLength(key + filler + suffix) <= S3_KEY_MAX_BYTES) key += filler;
  while (Buffer.byteLength(key + suffix) < S3_KEY_MAX_BYTES) key += 'x';
  return key + suffix;
}

const quoted = `"${`a'b\\c"d`.repeat(10)}…"`;

function rejects(kind: 'events' | 'songs'): RejectSample[] {
  return Array.from({ length: 5 }, (_, i) => ({
    sourceKey: longKey(kind === 'events' ? 'log_data/2018/11/' : 'song_data/A/A/A/', i, kind === 'events' ? '-events.json' : '.json'),
    sourceLine: 1000 + i,
    reason: `field "userAgent" is not text: ${quoted}`,
  }));
}

export function widestSummary(runId = 'run-widest'): RunSummary {
  const events = rejects('events');
  const songs = rejects('songs');
  const skipped: SkippedFile[] = Array.from({ length: 20 }, (_, i) => ({
    sourceKey: longKey('log_data/2018/11/', i, '.json.gz'),
    etag: `"${'e'.repeat(32)}-${i}"`,
    size: 123_456 + i,
    reason: 'compressed (gzip): the pipeline reads plain JSON',
  }));
  const checks: CheckResult[] = Array.from({ length: 20 }, (_, i) => ({
    name: `staging_events.source_key check ${i}`,
    severity: 'error',
    status: 'fail',
    failingCount: 1000 + i,
    sampleKeys: Array.from({ length: 5 }, (_, k) => longKey('log_data/2018/11/', k, `-events.json:${i}`).slice(0, 256)),
    description: 'a check whose failing keys are long',
  }));
  return {
    workflowId: runId,
    runId,
    status: 'completed',
    source: `s3://sparkify-widest/${'p'.repeat(200)}/`,
    warehouse: 'redshift-data://workgroup/etl/dev',
    window: { from: '2018-11-01', to: '2018-11-30' },
    tables: { staging_events: 1, staging_songs: 1, songplays: 1, users: 1, songs: 1, artists: 1, time: 1 },
    files: { events: 30, songs: 71, bytes: 1_000_000 },
    staging: {
      events: { kind: 'events', files: 30, bytes: 900_000, recordsRead: 8000, recordsStaged: 7000, recordsRejected: 1000, rejectSamples: events },
      songs: { kind: 'songs', files: 71, bytes: 100_000, recordsRead: 71, recordsStaged: 61, recordsRejected: 10, rejectSamples: songs },
    },
    rejected: { count: 1010, samples: [...events, ...songs] },
    skipped: { count: 500, samples: skipped },
    matches: { plays: 10, strictMatches: 5, repairedMatches: 8, matchRate: 0.8, playsWithoutUser: 0 },
    checks,
    steps: Object.fromEntries(['createSchema', 'stageEvents', 'loadSongplays', 'writeReport'].map((s) => [s, { status: 'completed' as const, durationMs: 100 }])),
    durationMs: 12_345,
  };
}
