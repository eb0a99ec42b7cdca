/**
 * The benchmark's data sets: three sizes of generated data with the real sample's shape, cached on
 * disk under a directory named by the generator's parameters, so a second bench run reuses them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateDataset, type GenerateResult } from '../generate';
import { EVENT_LOG_ROOT, eventLogDate } from '../source/layout';

export interface DatasetSize {
  name: string;
  days: number;
  users: number;
  songs: number;
  seed: number;
}

/**
 * About 160k, 1.6M and 8M events over 30 days. The generator follows the real sample's activity
 * (about 2.9 events per user-day), so the event count scales with users; songs scale with events
 * (about one song file per 114 events, as in the data set of issue 9), the largest has 71,000.
 */
export const SIZES: readonly DatasetSize[] = [
  { name: '160k', days: 30, users: 1_870, songs: 1_420, seed: 7 },
  { name: '1.6M', days: 30, users: 18_700, songs: 14_200, seed: 7 },
  { name: '8M', days: 30, users: 93_500, songs: 71_000, seed: 7 },
];

export function sizeByName(name: string): DatasetSize {
  const size = SIZES.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (!size) throw new Error(`unknown size '${name}': one of ${SIZES.map((s) => s.name).join(', ')}`);
  return size;
}

export interface Dataset {
  size: DatasetSize;
  dir: string;
  result: GenerateResult;
  /** Seconds spent generating now, or null when reused from the cache. */
  generateSeconds: number | null;
}

const MARKER = 'dataset.json';

/** The cache directory of a size: every generator parameter is in its name. */
export function datasetDir(cacheDir: string, size: DatasetSize): string {
  return path.join(cacheDir, `${size.name}-d${size.days}-u${size.users}-s${size.songs}-seed${size.seed}`);
}

/**
 * Reuses the cached data set when its marker (written only after a complete generation, with the
 * same parameters) is there; otherwise generates it afresh into an emptied directory.
 */
export async function ensureDataset(cacheDir: string, size: DatasetSize, log: (line: string) => void): Promise<Dataset> {
  const dir = datasetDir(cacheDir, size);
  const marker = path.join(dir, MARKER);
  if (fs.existsSync(marker)) {
    const saved = JSON.parse(fs.readFileSync(marker, 'utf8')) as { size: DatasetSize; result: GenerateResult };
    if (JSON.stringify(saved.size) === JSON.stringify(size)) return { size, dir, result: saved.result, generateSeconds: null };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating the ${size.name} data set into ${dir} …`);
  const began = performance.now();
  const result = await generateDataset({ outDir: dir, days: size.days, users: size.users, songs: size.songs, seed: size.seed });
  const generateSeconds = (performance.now() - began) / 1000;
  fs.writeFileSync(marker, JSON.stringify({ size, result }, null, 2));
  return { size, dir, result, generateSeconds };
}

/**
 * The first and the latest date of the data set's event logs (log_data/YYYY/MM/YYYY-MM-DD-events.json):
 * the nightly runs load the latest day again, and as a new night after the days from the first.
 */
export function logDateRange(dir: string): { first: string; last: string } {
  const root = path.join(dir, 'log_data');
  let range: { first: string; last: string } | undefined;
  for (const entry of fs.readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const date = eventLogDate(`${EVENT_LOG_ROOT}${entry}`);
    if (date === undefined) continue;
    range = range ? { first: date < range.first ? date : range.first, last: date > range.last ? date : range.last } : { first: date, last: date };
  }
  if (range === undefined) throw new Error(`no event log under ${root}`);
  return range;
}
