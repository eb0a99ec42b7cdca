import { promises as fs } from 'fs';
import path from 'path';
import { Song, buildCatalog, formatSongFile, songFilePath } from './catalog';
import { DAY_MS, formatLogLine, mergedEvents } from './events';
import { buildUsers } from './users';
import { DailyLogWriter } from './writer';

export interface GenerateOptions {
  outDir: string;
  /** Number of daily log files' worth of activity. Default 30. */
  days?: number;
  /** Default 100. */
  users?: number;
  /** Songs in song_data. Default 500. */
  songs?: number;
  /** Same seed and options give byte-identical output. Default 42. */
  seed?: number;
  /** 'YYYY-MM-DD' (UTC). Default '2018-11-01'. */
  startDate?: string;
  /** Approximate mean events per day; by default activity follows the real sample (~2.7 events per user-day). */
  eventsPerDay?: number;
}

export interface GenerateResult {
  logFiles: number;
  songFiles: number;
  events: number;
  nextSongEvents: number;
  users: number;
  songs: number;
  bytes: number;
}

/** The real sample averages ~0.32 sessions per user per day. */
const DEFAULT_SESSIONS_PER_USER_DAY = 0.32;
/** Measured mean events per user session of this generator, used to turn eventsPerDay into a session rate. */
const MEAN_EVENTS_PER_SESSION = 8.7;
const SONG_WRITE_CONCURRENCY = 16;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return v;
}

function parseStartDate(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new Error(`startDate must be a valid 'YYYY-MM-DD' date, got '${value}'`);
  }
  return ms;
}

async function writeSongFiles(outDir: string, songs: readonly Song[]): Promise<number> {
  const dirs = new Map<string, Promise<unknown>>();
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < songs.length) {
      const song = songs[next++];
      const file = path.join(outDir, songFilePath(song));
      const dir = path.dirname(file);
      let made = dirs.get(dir);
      if (!made) {
        made = fs.mkdir(dir, { recursive: true });
        dirs.set(dir, made);
      }
      await made;
      const text = formatSongFile(song);
      bytes += text.length;
      await fs.writeFile(file, text);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SONG_WRITE_CONCURRENCY, songs.length) }, worker));
  return bytes;
}

/**
 * Writes a Sparkify-shaped dataset under `outDir` (log_data/ and song_data/), overwriting files
 * of the same name but leaving other files in place (the CLI's `generate` refuses a directory
 * that is not empty first: ./outDir.ts). Deterministic for identical options.
 */
export async function generateDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const days = positiveInt('days', opts.days, 30);
  const userCount = positiveInt('users', opts.users, 100);
  const songCount = positiveInt('songs', opts.songs, 500);
  const seed = opts.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  if (opts.eventsPerDay !== undefined && !(opts.eventsPerDay > 0)) {
    throw new Error(`eventsPerDay must be positive, got ${opts.eventsPerDay}`);
  }
  const startMs = parseStartDate(opts.startDate ?? '2018-11-01');
  const endMs = startMs + days * DAY_MS;

  const sessionsPerUserDay =
    opts.eventsPerDay === undefined ? DEFAULT_SESSIONS_PER_USER_DAY : opts.eventsPerDay / (userCount * MEAN_EVENTS_PER_SESSION);
  const catalog = buildCatalog(seed, songCount);
  const users = buildUsers(seed, userCount, startMs, days * sessionsPerUserDay);

  await fs.mkdir(opts.outDir, { recursive: true });
  const songBytes = await writeSongFiles(opts.outDir, catalog.songs);

  const writer = new DailyLogWriter(opts.outDir, startMs);
  let events = 0;
  let nextSongEvents = 0;
  let sessionIds = 0;
  try {
    const stream = mergedEvents(users, {
      catalog,
      seed,
      startMs,
      endMs,
      days,
      sessionsPerUserDay,
      guestSessionsPerDay: userCount * sessionsPerUserDay * 0.01,
    });
    for (const event of stream) {
      if (event.session.id === 0) event.session.id = ++sessionIds;
      events++;
      if (event.page === 'NextSong') nextSongEvents++;
      const pending = writer.append(event.ts, formatLogLine(event));
      if (pending) await pending;
    }
  } finally {
    await writer.close();
  }

  return {
    logFiles: writer.files,
    songFiles: catalog.songs.length,
    events,
    nextSongEvents,
    users: userCount,
    songs: catalog.songs.length,
    bytes: songBytes + writer.bytes,
  };
}
