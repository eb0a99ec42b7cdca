/**
 * What each insight should say, computed in plain TypeScript from the raw files (through
 * expectations.ts, which reads them without the product's SQL or text repair). Bucket thresholds
 * and user-agent rules are written out here again, on purpose, rather than imported.
 *
 * Ties are not broken here the way the SQL breaks them. Each rule is stated, and where the raw files
 * would leave it undecided the expectation throws (`undecided`) instead of choosing:
 * - Level share: each user counts once, on the level of their last play in the window (the latest
 *   start time). Plays of one user at one start time on different levels would leave it undecided.
 * - Level changes: each of a user's events is compared with the one before it in time (ts). Events
 *   of one user at one ts on one level count the same in any order; on different levels the order
 *   would decide, so they leave it undecided.
 * - Top lists rank by count alone. The lists here are complete rankings; which items tied at the
 *   N-th place make a top N, and the order among equal counts, are the product's choice, and the
 *   test compares with expectTopN (test/support/ranking.ts).
 */
import { createHash } from 'node:crypto';
import { expectedTables, fixText, readEvents, readSongs, type Expected } from './expectations';

export interface InsightWindow {
  from: string;
  to: string;
}

type Play = Expected['songplays'] extends Map<string, infer P> ? P & { songplay_id: string } : never;

const inc = <K>(map: Map<K, number>, key: K, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const byKey = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const day = (iso: string) => iso.slice(0, 10);

/** The insights' default top-list length. */
export const TOP_N = 10;

function undecided(what: string): never {
  throw new Error(`the raw files leave ${what} undecided by the stated rule; pick data where it is decided`);
}

function bucketOf(value: number, upperBounds: number[]): number {
  const i = upperBounds.findIndex((bound) => value < bound);
  return i === -1 ? upperBounds.length : i;
}

/** Platform and browser by hand-written rules for the agents of this era (not bowser). */
export function classifyAgent(ua: string): { platform: string; browser: string } {
  const platform = /iPhone|iPad/.test(ua) ? 'iOS' : /Windows NT/.test(ua) ? 'Windows' : /Macintosh/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : 'Unknown';
  const browser = /MSIE|Trident/.test(ua)
    ? 'Internet Explorer'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chromium\//.test(ua)
        ? 'Chromium'
        : /Chrome\//.test(ua)
          ? 'Chrome'
          : /Version\/[\d.]+.*Safari\//.test(ua)
            ? 'Safari'
            : 'Unknown';
  return { platform, browser };
}

function shares(plays: Play[], keyOf: (p: Play) => string) {
  const groups = new Map<string, { plays: number; users: Set<number> }>();
  for (const p of plays) {
    const g = groups.get(keyOf(p)) ?? { plays: 0, users: new Set<number>() };
    g.plays++;
    g.users.add(p.user_id);
    groups.set(keyOf(p), g);
  }
  return [...groups.entries()]
    .map(([name, g]) => ({ name, plays: g.plays, users: g.users.size }))
    .sort((a, b) => b.plays - a.plays);
}

export function expectedInsights(root: string, window: InsightWindow | null) {
  const tables = expectedTables(root);
  const inWindow = (d: string) => !window || (d >= window.from && d <= window.to);
  const plays: Play[] = [...tables.songplays.entries()].map(([songplay_id, p]) => ({ ...p, songplay_id })).filter((p) => inWindow(day(p.start_time)));
  const songs = readSongs(root);

  // Activity
  const daily = new Map<string, { plays: number; users: Set<number> }>();
  const hours = new Map<number, number>();
  const weekdays = new Map<number, number>();
  for (const p of plays) {
    const d = daily.get(day(p.start_time)) ?? { plays: 0, users: new Set<number>() };
    d.plays++;
    d.users.add(p.user_id);
    daily.set(day(p.start_time), d);
    inc(hours, new Date(p.start_time).getUTCHours());
    inc(weekdays, new Date(p.start_time).getUTCDay());
  }

  // Content
  const songPlays = new Map<string, { plays: number; users: Set<number> }>();
  const artistPlays = new Map<string, { plays: number; users: Set<number> }>();
  for (const p of plays) {
    for (const [map, key] of [[songPlays, p.song_id], [artistPlays, p.artist_id]] as const) {
      if (key === null) continue;
      const g = map.get(key) ?? { plays: 0, users: new Set<number>() };
      g.plays++;
      g.users.add(p.user_id);
      map.set(key, g);
    }
  }
  const ranked = (map: Map<string, { plays: number; users: Set<number> }>) => [...map.entries()].sort(([, x], [, y]) => y.plays - x.plays);
  // What was played: each play by the title and artist its own event names (text repaired), matched or not.
  const named = new Map<string, { title: string; artist: string }>();
  for (const e of readEvents(root)) {
    if (e.page !== 'NextSong' || e.userId.trim() === '') continue;
    const id = createHash('md5').update(`${e.userId.trim()}|${e.sessionId}|${e.itemInSession}|${e.ts}`).digest('hex');
    named.set(id, { title: e.song === null ? '(unknown)' : fixText(e.song), artist: e.artist === null ? '(unknown)' : fixText(e.artist) });
  }
  const playedBy = (keyOf: (p: Play) => string[]) => {
    const groups = new Map<string, { key: string[]; plays: number; users: Set<number>; matched: number }>();
    for (const p of plays) {
      const key = keyOf(p);
      const g = groups.get(key.join('\u0000')) ?? { key, plays: 0, users: new Set<number>(), matched: 0 };
      g.plays++;
      g.users.add(p.user_id);
      if (p.song_id !== null) g.matched++;
      groups.set(key.join('\u0000'), g);
    }
    return [...groups.values()].sort((a, b) => b.plays - a.plays);
  };
  const playedSongs = playedBy((p) => [named.get(p.songplay_id)!.title, named.get(p.songplay_id)!.artist]);
  const playedArtists = playedBy((p) => [named.get(p.songplay_id)!.artist]);

  const matchDaily = new Map<string, { plays: number; matched: number }>();
  for (const p of plays) {
    const d = matchDaily.get(day(p.start_time)) ?? { plays: 0, matched: 0 };
    d.plays++;
    if (p.song_id !== null) d.matched++;
    matchDaily.set(day(p.start_time), d);
  }

  // Revenue
  const levelPlays = new Map<string, number>();
  const lastPlay = new Map<number, Play>();
  const levelsAtLastPlay = new Map<number, Set<string>>();
  const revenueDaily = new Map<string, { paid: number; free: number; paidUsers: Set<number>; freeUsers: Set<number> }>();
  for (const p of plays) {
    inc(levelPlays, p.level);
    const last = lastPlay.get(p.user_id);
    if (!last || p.start_time > last.start_time) {
      lastPlay.set(p.user_id, p);
      levelsAtLastPlay.set(p.user_id, new Set([p.level]));
    } else if (p.start_time === last.start_time) {
      levelsAtLastPlay.get(p.user_id)!.add(p.level);
    }
    const d = revenueDaily.get(day(p.start_time)) ?? { paid: 0, free: 0, paidUsers: new Set<number>(), freeUsers: new Set<number>() };
    if (p.level === 'paid') {
      d.paid++;
      d.paidUsers.add(p.user_id);
    } else {
      d.free++;
      d.freeUsers.add(p.user_id);
    }
    revenueDaily.set(day(p.start_time), d);
  }
  const levelUsers = new Map<string, number>();
  for (const [user, levels] of levelsAtLastPlay) if (levels.size > 1) undecided(`user ${user}'s level at their last play (${[...levels].join(' and ')} at one start time)`);
  for (const p of lastPlay.values()) inc(levelUsers, p.level);

  // Level changes over every raw event (all pages), each distinct event once, in time order per user.
  const seen = new Set<string>();
  const perUser = new Map<string, { ts: number; level: string; page: string }[]>();
  for (const e of readEvents(root)) {
    const user = e.userId.trim();
    if (user === '') continue;
    const id = [user, e.sessionId, e.itemInSession, e.ts, e.level, e.page].join('|');
    if (seen.has(id)) continue;
    seen.add(id);
    perUser.set(user, [...(perUser.get(user) ?? []), { ts: e.ts, level: e.level, page: e.page }]);
  }
  const changes = new Map<string, { up: number; down: number; submitUp: number; submitDown: number }>();
  for (const [user, events] of perUser) {
    events.sort((a, b) => a.ts - b.ts);
    events.forEach((e, i) => {
      if (i > 0 && events[i - 1].ts === e.ts && events[i - 1].level !== e.level) undecided(`the order of user ${user}'s events at ts ${e.ts} (levels ${events[i - 1].level} and ${e.level})`);
      const d = new Date(e.ts).toISOString().slice(0, 10);
      if (!inWindow(d)) return;
      const c = changes.get(d) ?? { up: 0, down: 0, submitUp: 0, submitDown: 0 };
      const previous = i > 0 ? events[i - 1].level : null;
      if (previous === 'free' && e.level === 'paid') c.up++;
      if (previous === 'paid' && e.level === 'free') c.down++;
      if (e.page === 'Submit Upgrade') c.submitUp++;
      if (e.page === 'Submit Downgrade') c.submitDown++;
      changes.set(d, c);
    });
  }

  // Engagement
  const sessions = new Map<string, { user: number; plays: number; first: number; last: number }>();
  for (const p of plays) {
    const key = `${p.user_id}|${p.session_id}`;
    const t = Date.parse(p.start_time);
    const s = sessions.get(key) ?? { user: p.user_id, plays: 0, first: t, last: t };
    s.plays++;
    s.first = Math.min(s.first, t);
    s.last = Math.max(s.last, t);
    sessions.set(key, s);
  }
  const lengthBuckets = new Map<number, number>();
  const playBuckets = new Map<number, number>();
  const sessionsOfUser = new Map<number, number>();
  for (const s of sessions.values()) {
    inc(lengthBuckets, bucketOf((s.last - s.first) / 1000, [300, 900, 1800, 3600, 7200, 14400]));
    inc(playBuckets, bucketOf(s.plays, [2, 6, 11, 26, 51, 101]));
    inc(sessionsOfUser, s.user);
  }
  const userBuckets = new Map<number, number>();
  for (const n of sessionsOfUser.values()) inc(userBuckets, bucketOf(n, [2, 4, 6, 11, 21]));
  const userPlays = new Map<number, number>();
  for (const p of plays) inc(userPlays, p.user_id);
  const buckets = (map: Map<number, number>, size: number) => Array.from({ length: size }, (_, i) => map.get(i) ?? 0);

  const locations = shares(plays, (p) => p.location ?? '(unknown)');

  return {
    activity: {
      daily: byKey(daily.entries()).map(([d, v]) => ({ day: d, plays: v.plays, activeUsers: v.users.size })),
      byHour: [...hours.entries()].sort(([a], [b]) => a - b).map(([hour, n]) => ({ hour, plays: n })),
      byWeekday: [...weekdays.entries()].sort(([a], [b]) => a - b).map(([weekday, n]) => ({ weekday, plays: n })),
    },
    content: {
      topSongs: ranked(songPlays).map(([id, g]) => ({
        songId: id,
        title: tables.songs.get(id)!.title,
        plays: g.plays,
        listeners: g.users.size,
      })),
      topArtists: ranked(artistPlays).map(([id, g]) => ({ artistId: id, plays: g.plays, listeners: g.users.size })),
      playedSongs: playedSongs.map((g) => ({ title: g.key[0], artist: g.key[1], plays: g.plays, listeners: g.users.size, matchedPlays: g.matched })),
      playedArtists: playedArtists.map((g) => ({ name: g.key[0], plays: g.plays, listeners: g.users.size, matchedPlays: g.matched })),
      artistNames: (artistId: string) => new Set(songs.filter((s) => s.artist_id === artistId).map((s) => s.artist_name)),
      matchDaily: byKey(matchDaily.entries()).map(([d, v]) => ({ day: d, plays: v.plays, matchedPlays: v.matched })),
      plays: plays.length,
      matchedPlays: plays.filter((p) => p.song_id !== null).length,
    },
    revenue: {
      byLevel: byKey([...new Set([...levelPlays.keys(), ...levelUsers.keys()])].map((level) => [level, level] as [string, string])).map(([level]) => ({
        level,
        plays: levelPlays.get(level) ?? 0,
        users: levelUsers.get(level) ?? 0,
      })),
      daily: byKey(revenueDaily.entries()).map(([d, v]) => ({
        day: d,
        paidPlays: v.paid,
        freePlays: v.free,
        paidUsers: v.paidUsers.size,
        freeUsers: v.freeUsers.size,
      })),
      levelChanges: byKey(changes.entries()).map(([d, c]) => ({
        day: d,
        levelUpgrades: c.up,
        levelDowngrades: c.down,
        submitUpgrades: c.submitUp,
        submitDowngrades: c.submitDown,
      })),
    },
    engagement: {
      sessions: sessions.size,
      users: sessionsOfUser.size,
      plays: plays.length,
      maxPlaysPerSession: Math.max(0, ...[...sessions.values()].map((s) => s.plays)),
      sessionLengths: buckets(lengthBuckets, 7),
      playsPerSession: buckets(playBuckets, 7),
      sessionsPerUser: buckets(userBuckets, 6),
      topUsers: [...userPlays.entries()]
        .sort(([, x], [, y]) => y - x)
        .map(([userId, n]) => ({
          userId,
          firstName: tables.users.get(userId)!.first_name,
          lastName: tables.users.get(userId)!.last_name,
          level: tables.users.get(userId)!.level,
          plays: n,
          sessions: [...sessions.values()].filter((s) => s.user === userId).length,
        })),
    },
    audience: {
      locations: locations.map((l) => ({ location: l.name, plays: l.plays, users: l.users })),
      platforms: shares(plays, (p) => classifyAgent(p.user_agent ?? '').platform),
      browsers: shares(plays, (p) => classifyAgent(p.user_agent ?? '').browser),
    },
  };
}
