/**
 * A source directory holding some days of the real sample: their event logs and every song file,
 * for tests whose runs must list only those days.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SAMPLE_DIR } from '../harness/temporal';

/** Copies the event logs of `days` (YYYY-MM-DD, all in 2018-11) and the sample's song files into `dir`. */
export function copySampleDays(dir: string, days: readonly string[]): void {
  for (const day of days) {
    const key = path.join('log_data', '2018', '11', `${day}-events.json`);
    fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    fs.copyFileSync(path.join(SAMPLE_DIR, key), path.join(dir, key));
  }
  fs.cpSync(path.join(SAMPLE_DIR, 'song_data'), path.join(dir, 'song_data'), { recursive: true });
}
