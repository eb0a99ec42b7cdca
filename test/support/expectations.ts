/**
 * What the star schema should hold, computed straight from the raw files with plain TypeScript,
 * independently of the product's SQL and of its text-repair module.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repaired } from './mojibake';

export interface RawEvent {
  artist: string | null;
  firstName: string | null;
  gender: string | null;
  itemInSession: number;
  lastName: string | null;
  length: number | null;
  level: string;
  location: string | null;
  page: string;
  sessionId: number;
  song: string | null;
  ts: number;
  userAgent: string | null;
  userId: string;
}

export interface RawSong {
  artist_id: string;
  artist_latitude: number | null;
  artist_longitude: number | null;
  artist_location: string;
  artist_name: string;
  song_id: string;
  title: string;
  duration: number;
  year: number;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

export function readEvents(root: string, dates?: { from: string; to: string }): RawEvent[] {
  return filesUnder(path.join(root, 'log_data'))
    .filter((f) => {
      const date = /(\d{4}-\d{2}-\d{2})-events\.json$/.exec(f)?.[1];
      return date !== undefined && (!dates || (date >= dates.from && date <= dates.to));
    })
    .flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as RawEvent),
    );
}

export function readSongs(root: string): RawSong[] {
  return filesUnder(path.join(root, 'song_data')).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as RawSong);
}

/** Repaired text as the README describes it (the tests' own oracle in ./mojibake.ts). */
export function fixText(s: string): string {
  return repaired(s);
}

export interface Expected {
  songplays: Map<string, { start_time: string; user_id: number; level: string; song_id: string | null; artist_id: string | null; session_id: number; location: string | null; user_agent: string | null }>;
  users: Map<number, { level: string; gender: string | null; first_name: string | null; last_name: string | null }>;
  songs: Map<string, { title: string; artist_id: string; year: number; duration: number }>;
  artistIds: Set<string>;
  times: Set<string>;
  strictMatches: number;
  repairedMatches: number;
}

export function expectedTables(root: string, dates?: { from: string; to: string }, toleranceSeconds = 2): Expected {
  const events = readEvents(root, dates);
  const songs = readSongs(root);
  const plays = events.filter((e) => e.page === 'NextSong' && e.userId.trim() !== '');

  const songplays: Expected['songplays'] = new Map();
  let strictMatches = 0;
  let repairedMatches = 0;
  // Each song's repaired, case-folded title and artist, computed once (not once per play).
  const songKeys = new Map(songs.map((s) => [s, { title: fixText(s.title).toLowerCase(), artist: fixText(s.artist_name).toLowerCase() }]));
  for (const e of plays) {
    const id = createHash('md5').update(`${e.userId.trim()}|${e.sessionId}|${e.itemInSession}|${e.ts}`).digest('hex');
    const strict = songs.some((s) => s.title === e.song && s.artist_name === e.artist && s.duration === e.length);
    const playTitle = e.song === null ? null : fixText(e.song).toLowerCase();
    const playArtist = e.artist === null ? null : fixText(e.artist).toLowerCase();
    const candidates = songs
      .filter(
        (s) =>
          playTitle !== null &&
          playArtist !== null &&
          e.length !== null &&
          songKeys.get(s)!.title === playTitle &&
          songKeys.get(s)!.artist === playArtist &&
          Math.abs(s.duration - e.length) <= toleranceSeconds,
      )
      .sort((a, b) => Math.abs(a.duration - e.length!) - Math.abs(b.duration - e.length!) || a.song_id.localeCompare(b.song_id));
    if (strict) strictMatches++;
    if (candidates.length > 0) repairedMatches++;
    const ua = e.userAgent === null ? null : fixText(e.userAgent).replace(/^"(.*)"$/, '$1');
    songplays.set(id, {
      start_time: new Date(e.ts).toISOString(),
      user_id: Number(e.userId),
      level: e.level,
      song_id: candidates[0]?.song_id ?? null,
      artist_id: candidates[0]?.artist_id ?? null,
      session_id: e.sessionId,
      location: e.location === null ? null : fixText(e.location),
      user_agent: ua,
    });
  }

  // Each user's latest event of any page: greatest ts, then greatest item in session.
  const latest = new Map<number, RawEvent>();
  for (const e of events) {
    if (e.userId.trim() === '') continue;
    const id = Number(e.userId);
    const current = latest.get(id);
    if (!current || e.ts > current.ts || (e.ts === current.ts && e.itemInSession > current.itemInSession)) latest.set(id, e);
  }
  const users: Expected['users'] = new Map();
  for (const id of new Set(plays.map((e) => Number(e.userId)))) {
    const e = latest.get(id)!;
    users.set(id, {
      level: e.level,
      gender: e.gender,
      first_name: e.firstName === null ? null : fixText(e.firstName),
      last_name: e.lastName === null ? null : fixText(e.lastName),
    });
  }

  const songMap: Expected['songs'] = new Map();
  for (const s of songs) songMap.set(s.song_id, { title: fixText(s.title), artist_id: s.artist_id, year: s.year, duration: s.duration });

  return {
    songplays,
    users,
    songs: songMap,
    artistIds: new Set(songs.map((s) => s.artist_id)),
    times: new Set(plays.map((e) => new Date(e.ts).toISOString())),
    strictMatches,
    repairedMatches,
  };
}

/** ISO-8601 week number, computed by hand (Thursday rule). */
export function isoWeek(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  return Math.ceil(((d.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
}
