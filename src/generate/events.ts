import { Catalog } from './catalog';
import { pyFloat, pyNullableString, pyString } from './jsonFormat';
import { Track, pickTrack } from './plays';
import { Prng, cumulativeWeights, deriveSeed } from './prng';
import { Level, MS_OFFSET, User } from './users';

export const DAY_MS = 86_400_000;

export type Auth = 'Logged In' | 'Logged Out' | 'Guest';

const PAGES = {
  NextSong: ['PUT', 200],
  Home: ['GET', 200],
  Login: ['PUT', 307],
  Logout: ['PUT', 307],
  Downgrade: ['GET', 200],
  Settings: ['GET', 200],
  Help: ['GET', 200],
  About: ['GET', 200],
  Upgrade: ['GET', 200],
  'Save Settings': ['PUT', 307],
  Error: ['GET', 404],
  'Submit Upgrade': ['PUT', 307],
  'Submit Downgrade': ['PUT', 307],
} as const;

export type Page = keyof typeof PAGES;

/** Session ids are handed out in order of first emitted event, so they grow with time like the real ones. */
export interface SessionRef {
  id: number;
}

export interface LogEvent {
  user: User | null;
  auth: Auth;
  level: Level;
  page: Page;
  itemInSession: number;
  session: SessionRef;
  ts: number;
  track: Track | null;
}

export interface TimelineContext {
  catalog: Catalog;
  seed: number;
  startMs: number;
  endMs: number;
  days: number;
  /** Mean sessions per user per day, before each user's activity weight. */
  sessionsPerUserDay: number;
  guestSessionsPerDay: number;
}

/** Events per hour of day (UTC) in the real November 2018 logs. */
const HOUR_WEIGHTS = cumulativeWeights([
  185, 201, 157, 130, 159, 206, 230, 219, 246, 311, 356, 391, 368, 415, 504, 577, 626, 572, 579, 431, 397, 326, 247, 223,
]);

const DETOURS_FREE = { pages: ['Home', 'Settings', 'Help', 'About', 'Upgrade', 'Error'] as const, weights: cumulativeWeights([45, 9, 6, 4, 7, 1]) };
const DETOURS_PAID = { pages: ['Home', 'Settings', 'Help', 'About', 'Downgrade', 'Error'] as const, weights: cumulativeWeights([45, 9, 6, 4, 9, 1]) };

const MEAN_SONGS_PER_SESSION = 7;

function sessionStart(rng: Prng, dayStart: number): number {
  const hour = rng.weighted(HOUR_WEIGHTS);
  return dayStart + (hour * 3600 + rng.int(3600)) * 1000 + MS_OFFSET;
}

function* userSession(user: User, rng: Prng, catalog: Catalog, startTs: number): Generator<LogEvent, number> {
  const session: SessionRef = { id: 0 };
  let item = 0;
  let ts = startTs;
  const event = (page: Page, auth: Auth = 'Logged In', track: Track | null = null): LogEvent => ({
    user,
    auth,
    level: user.level,
    page,
    itemInSession: item++,
    session,
    ts,
    track,
  });
  const wait = (minSeconds: number, maxSeconds: number) => {
    ts += rng.range(minSeconds, maxSeconds) * 1000;
  };
  // Submitting takes a second, then the user lands on Home with the new level.
  function* changeLevel(): Generator<LogEvent> {
    yield event(user.level === 'paid' ? 'Submit Downgrade' : 'Submit Upgrade');
    wait(1, 1);
    user.level = user.level === 'paid' ? 'free' : 'paid';
    user.levelChangeSession = null;
    wait(10, 150);
    yield event('Home');
    wait(5, 60);
  }

  if (rng.chance(0.15)) {
    yield event('Home', 'Logged Out');
    wait(5, 90);
    if (rng.chance(0.2)) {
      yield event(rng.chance(0.6) ? 'About' : 'Help', 'Logged Out');
      wait(5, 60);
    }
    yield event('Login', 'Logged Out');
    wait(1, 30);
    yield event('Home');
    wait(5, 60);
  } else if (rng.chance(0.5)) {
    yield event('Home');
    wait(5, 120);
  }

  const songs = 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / MEAN_SONGS_PER_SESSION));
  const plannedChange = user.levelChangeSession === user.sessions++ ? rng.int(Math.min(songs, 4)) : -1;
  for (let n = 0; n < songs; n++) {
    if (n === plannedChange) {
      yield event(user.level === 'paid' ? 'Downgrade' : 'Upgrade');
      wait(1, 240);
      yield* changeLevel();
    } else if (rng.chance(0.12)) {
      const detours = user.level === 'paid' ? DETOURS_PAID : DETOURS_FREE;
      const page = detours.pages[rng.weighted(detours.weights)];
      yield event(page);
      wait(1, 90);
      if (page === 'Settings' && rng.chance(0.2)) {
        yield event('Save Settings');
        wait(1, 30);
      } else if ((page === 'Upgrade' && rng.chance(0.06)) || (page === 'Downgrade' && rng.chance(0.03))) {
        yield* changeLevel();
      }
    }
    const track = pickTrack(rng, catalog);
    yield event('NextSong', 'Logged In', track);
    const full = Math.round(track.length);
    // Some plays are skipped before the song ends.
    ts += (rng.chance(0.12) ? rng.range(Math.min(5, full), full) : full) * 1000;
  }

  if (rng.chance(0.12)) {
    yield event('Logout');
    wait(1, 30);
    if (rng.chance(0.7)) {
      yield event('Home', 'Logged Out');
      wait(1, 30);
    }
  }
  return ts;
}

/** One user's events over the whole span, in time order; sessions may run past midnight. */
function* userTimeline(user: User, ctx: TimelineContext): Generator<LogEvent> {
  const rng = new Prng(deriveSeed(ctx.seed, 0x75e5, user.index));
  let idleFrom = -Infinity;
  for (let day = 0; day < ctx.days; day++) {
    const dayStart = ctx.startMs + day * DAY_MS;
    const count = rng.poisson(ctx.sessionsPerUserDay * user.activity);
    const starts: number[] = [];
    for (let i = 0; i < count; i++) starts.push(sessionStart(rng, dayStart));
    starts.sort((a, b) => a - b);
    for (const planned of starts) {
      const start = Math.max(planned, idleFrom + rng.range(600, 7200) * 1000);
      if (start >= ctx.endMs) return;
      idleFrom = yield* userSession(user, rng, ctx.catalog, start);
    }
  }
}

function* guestTimeline(ctx: TimelineContext): Generator<LogEvent> {
  const rng = new Prng(deriveSeed(ctx.seed, 0x6e57));
  for (let day = 0; day < ctx.days; day++) {
    const dayStart = ctx.startMs + day * DAY_MS;
    const count = rng.poisson(ctx.guestSessionsPerDay);
    const starts: number[] = [];
    for (let i = 0; i < count; i++) starts.push(sessionStart(rng, dayStart));
    starts.sort((a, b) => a - b);
    for (const start of starts) {
      const session: SessionRef = { id: 0 };
      const pages: Page[] = ['Home'];
      if (rng.chance(0.5)) pages.push(rng.chance(0.5) ? 'Help' : 'About');
      if (rng.chance(0.3)) pages.push('Home');
      let ts = start;
      for (let item = 0; item < pages.length; item++) {
        yield { user: null, auth: 'Guest', level: 'free', page: pages[item], itemInSession: item, session, ts, track: null };
        ts += rng.range(3, 120) * 1000;
      }
    }
  }
}

interface HeapEntry {
  event: LogEvent;
  order: number;
  source: Generator<LogEvent>;
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.event.ts < b.event.ts || (a.event.ts === b.event.ts && a.order < b.order);
}

/**
 * Every user's timeline merged into one stream ordered by ts (ties by user), ending at endMs.
 * Holds one pending event per user, never a day's worth.
 */
export function* mergedEvents(users: readonly User[], ctx: TimelineContext): Generator<LogEvent> {
  const heap: HeapEntry[] = [];
  const push = (entry: HeapEntry) => {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const pop = (): HeapEntry => {
    const top = heap[0];
    const last = heap.pop() as HeapEntry;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  const advance = (source: Generator<LogEvent>, order: number) => {
    const next = source.next();
    // A session still running at the end of the span is cut off there.
    if (!next.done && next.value.ts < ctx.endMs) push({ event: next.value, order, source });
  };

  users.forEach((user, i) => advance(userTimeline(user, ctx), i));
  advance(guestTimeline(ctx), users.length);
  while (heap.length > 0) {
    const { event, order, source } = pop();
    yield event;
    advance(source, order);
  }
}

const NULL_IDENTITY = 'null';

/** One compact log line in the real key order; `/` escaped, non-ASCII as \u escapes. */
export function formatLogLine(e: LogEvent): string {
  const u = e.auth === 'Logged In' ? e.user : null;
  const t = e.track;
  return (
    '{"artist":' +
    (t ? pyString(t.artist, true) : 'null') +
    ',"auth":' +
    pyString(e.auth) +
    ',"firstName":' +
    (u ? u.json.firstName : NULL_IDENTITY) +
    ',"gender":' +
    (u ? u.json.gender : NULL_IDENTITY) +
    ',"itemInSession":' +
    e.itemInSession +
    ',"lastName":' +
    (u ? u.json.lastName : NULL_IDENTITY) +
    ',"length":' +
    (t ? pyFloat(t.length) : 'null') +
    ',"level":' +
    pyString(e.level) +
    ',"location":' +
    (u ? u.json.location : NULL_IDENTITY) +
    ',"method":' +
    pyString(PAGES[e.page][0]) +
    ',"page":' +
    pyString(e.page) +
    ',"registration":' +
    (u ? u.json.registration : NULL_IDENTITY) +
    ',"sessionId":' +
    e.session.id +
    ',"song":' +
    pyNullableString(t ? t.song : null, true) +
    ',"status":' +
    PAGES[e.page][1] +
    ',"ts":' +
    e.ts +
    ',"userAgent":' +
    (u ? u.json.userAgent : NULL_IDENTITY) +
    ',"userId":' +
    (u ? u.json.userId : '""') +
    '}'
  );
}
