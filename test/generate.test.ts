import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import os from 'os';
import path from 'path';
import { SIZES } from '../src/bench/datasets';
import { GenerateOptions, GenerateResult, generateDataset } from '../src/generate';

const REAL = path.resolve(__dirname, '../../shared/data/udacity-sample');

const LOG_KEYS = [
  'artist', 'auth', 'firstName', 'gender', 'itemInSession', 'lastName', 'length', 'level', 'location',
  'method', 'page', 'registration', 'sessionId', 'song', 'status', 'ts', 'userAgent', 'userId',
];
const SONG_KEYS = [
  'num_songs', 'artist_id', 'artist_latitude', 'artist_longitude', 'artist_location', 'artist_name',
  'song_id', 'title', 'duration', 'year',
];

const LOG_PATH = /^log_data\/(\d{4})\/(\d{2})\/(\1-\2-\d{2})-events\.json$/;
const SONG_PATH = /^song_data\/([A-Z])\/([A-Z])\/([A-Z])\/(TR[A-Z0-9]{16})\.json$/;

// JSON value grammars of the two writers: logs escape '/', song files do not; neither has raw non-ASCII.
const NUMBER = '-?\\d+(?:\\.\\d+)?';
const LOG_STRING = '"(?:[\\x20\\x21\\x23-\\x2e\\x30-\\x5b\\x5d-\\x7e]|\\\\["\\\\/bfnrt]|\\\\u[0-9a-f]{4})*"';
const SONG_STRING = '"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\["\\\\bfnrt]|\\\\u[0-9a-f]{4})*"';
const LOG_LINE = new RegExp(
  '^\\{' + LOG_KEYS.map((k) => `"${k}":(?:null|${LOG_STRING}|${NUMBER})`).join(',') + '\\}$',
);
const SONG_FILE = new RegExp(
  '^\\{' + SONG_KEYS.map((k) => `"${k}": (?:null|${SONG_STRING}|${NUMBER})`).join(', ') + '\\}$',
);

type JsonType = 'null' | 'string' | 'int' | 'float' | 'boolean' | 'object';

interface Dataset {
  dir: string;
  result: GenerateResult;
  logFiles: string[];
  songFiles: string[];
  /** Raw lines of every log file, in file order. */
  lines: string[];
  events: Array<Record<string, unknown>>;
  songs: Array<Record<string, unknown>>;
}

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(root, full));
    else out.push(path.relative(root, full).split(path.sep).join('/'));
  }
  return out;
}

function load(dir: string, result?: GenerateResult): Dataset {
  const files = listFiles(dir);
  const logFiles = files.filter((f) => f.startsWith('log_data/'));
  const songFiles = files.filter((f) => f.startsWith('song_data/'));
  const lines = logFiles.flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n'));
  return {
    dir,
    result: result as GenerateResult,
    logFiles,
    songFiles,
    lines,
    events: lines.map((l) => JSON.parse(l)),
    songs: songFiles.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'))),
  };
}

/** JSON type of each key, telling ints from floats by the raw token as Python wrote it. */
function jsonTypes(raw: string, obj: Record<string, unknown>): Map<string, JsonType> {
  const types = new Map<string, JsonType>();
  for (const [key, value] of Object.entries(obj)) {
    if (value === null) types.set(key, 'null');
    else if (typeof value === 'string') types.set(key, 'string');
    else if (typeof value === 'boolean') types.set(key, 'boolean');
    else if (typeof value === 'number') {
      const token = new RegExp(`"${key}": ?(-?[0-9.eE+-]+)`).exec(raw)?.[1] ?? '';
      types.set(key, /[.eE]/.test(token) ? 'float' : 'int');
    } else types.set(key, 'object');
  }
  return types;
}

function typeMap(raws: string[], objs: Array<Record<string, unknown>>): Map<string, Set<JsonType>> {
  const map = new Map<string, Set<JsonType>>();
  raws.forEach((raw, i) => {
    for (const [key, type] of jsonTypes(raw, objs[i])) {
      if (!map.has(key)) map.set(key, new Set());
      map.get(key)?.add(type);
    }
  });
  return map;
}

function hashTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')]));
}

/** Undo UTF-8 that was mis-decoded as Latin-1, as many times as it applies cleanly. */
function undoMojibake(text: string): string {
  let out = text;
  for (let i = 0; i < 3; i++) {
    if (!/[\u0080-\u00ff]/.test(out) || /[\u0100-\uffff]/.test(out)) break;
    const decoded = Buffer.from(out, 'latin1').toString('utf8');
    if (decoded.includes('\ufffd')) break;
    out = decoded;
  }
  return out;
}

function repair(text: string): string {
  return undoMojibake(text).replace(/\s+/g, ' ').trim();
}

const str = (v: unknown) => v as string;

const tmpDirs: string[] = [];
async function generate(opts: Omit<GenerateOptions, 'outDir'>): Promise<Dataset> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkify-gen-'));
  tmpDirs.push(dir);
  const result = await generateDataset({ outDir: dir, ...opts });
  return load(dir, result);
}

const SMALL = { days: 3, users: 20, songs: 50 } as const;

let real: Dataset;
let small: Dataset;

beforeAll(async () => {
  real = load(REAL);
  small = await generate(SMALL);
});

afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

describe('shape', () => {
  it('writes the real directory layout for the requested days', () => {
    for (const f of real.logFiles) expect(f).toMatch(LOG_PATH);
    expect(small.logFiles).toEqual([
      'log_data/2018/11/2018-11-01-events.json',
      'log_data/2018/11/2018-11-02-events.json',
      'log_data/2018/11/2018-11-03-events.json',
    ]);
    for (const f of [...real.songFiles, ...small.songFiles]) {
      const m = SONG_PATH.exec(f);
      expect(m).not.toBeNull();
      const [, a, b, c, track] = m as RegExpExecArray;
      expect(track.slice(2, 5)).toBe(a + b + c);
    }
    expect(small.songFiles).toHaveLength(50);
    expect(small.result).toMatchObject({ logFiles: 3, songFiles: 50, songs: 50, users: 20, events: small.lines.length });
    expect(small.result.nextSongEvents).toBe(small.events.filter((e) => e.page === 'NextSong').length);
    const onDisk = [...small.logFiles, ...small.songFiles].reduce((n, f) => n + statSync(path.join(small.dir, f)).size, 0);
    expect(small.result.bytes).toBe(onDisk);
  });

  it('log lines have the real keys, in order, with the JSON types the real sample uses', () => {
    const realTypes = typeMap(real.lines, real.events);
    expect([...realTypes.keys()]).toEqual(LOG_KEYS);
    for (const e of real.events) expect(Object.keys(e)).toEqual(LOG_KEYS);
    small.lines.forEach((raw, i) => {
      expect(Object.keys(small.events[i])).toEqual(LOG_KEYS);
      for (const [key, type] of jsonTypes(raw, small.events[i])) {
        expect({ key, ok: realTypes.get(key)?.has(type) }).toEqual({ key, ok: true });
      }
    });
  });

  it('song files have the real keys, in order, with the JSON types the real sample uses', () => {
    const raws = (d: Dataset) => d.songFiles.map((f) => readFileSync(path.join(d.dir, f), 'utf8'));
    const realTypes = typeMap(raws(real), real.songs);
    expect([...realTypes.keys()]).toEqual(SONG_KEYS);
    raws(small).forEach((raw, i) => {
      expect(Object.keys(small.songs[i])).toEqual(SONG_KEYS);
      for (const [key, type] of jsonTypes(raw, small.songs[i])) {
        expect({ key, ok: realTypes.get(key)?.has(type) }).toEqual({ key, ok: true });
      }
    });
  });

  it('uses only the real pages, each with its real method and status', () => {
    const realPage = new Map(real.events.map((e) => [e.page, `${e.method} ${e.status}`]));
    for (const e of small.events) {
      expect(`${e.page}: ${realPage.get(str(e.page))}`).toBe(`${e.page}: ${e.method} ${e.status}`);
    }
    const shareNext = small.events.filter((e) => e.page === 'NextSong').length / small.events.length;
    expect(shareNext).toBeGreaterThan(0.65);
    expect(shareNext).toBeLessThan(0.92);
  });

  it('orders each file by ts within its UTC day and numbers sessions consecutively', () => {
    for (const f of small.logFiles) {
      const day = LOG_PATH.exec(f)?.[3];
      const ts = readFileSync(path.join(small.dir, f), 'utf8').split('\n').map((l) => JSON.parse(l).ts as number);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      for (const t of ts) expect(new Date(t).toISOString().slice(0, 10)).toBe(day);
    }
    const sessions = new Map<number, Array<Record<string, unknown>>>();
    for (const e of small.events) {
      const list = sessions.get(e.sessionId as number) ?? [];
      list.push(e);
      sessions.set(e.sessionId as number, list);
    }
    for (const events of sessions.values()) {
      expect(events.map((e) => e.itemInSession)).toEqual(events.map((_, i) => i));
      expect(new Set(events.map((e) => e.userId).filter((u) => u !== '')).size).toBeLessThanOrEqual(1);
    }
  });

  it('starts from startDate and rolls over months', async () => {
    const d = await generate({ days: 3, users: 5, songs: 5, startDate: '2019-02-27' });
    expect(d.logFiles.length).toBeGreaterThan(0);
    for (const f of d.logFiles) {
      expect(['2019-02-27', '2019-02-28', '2019-03-01']).toContain(LOG_PATH.exec(f)?.[3]);
    }
    await expect(generateDataset({ outDir: d.dir, startDate: '2019-02-30' })).rejects.toThrow(/startDate/);
    await expect(generateDataset({ outDir: d.dir, days: 0 })).rejects.toThrow(/days/);
  });
});

describe('byte-level formatting', () => {
  it('log lines are compact, escape "/" and non-ASCII like the real files', () => {
    for (const raw of real.lines) expect(raw).toMatch(LOG_LINE);
    for (const raw of small.lines) expect(raw).toMatch(LOG_LINE);
    expect(small.lines.some((l) => /\\u00[0-9a-f]{2}/.test(l))).toBe(true);
    expect(small.lines.some((l) => l.includes('"userAgent":"\\"Mozilla\\/5.0 ('))).toBe(true);
  });

  it('song files are Python json.dumps output', () => {
    for (const d of [real, small]) {
      for (const f of d.songFiles) expect(readFileSync(path.join(d.dir, f), 'utf8')).toMatch(SONG_FILE);
    }
  });

  it('prints registration as a float and ts as an integer', () => {
    const registered = small.lines.filter((l) => !l.includes('"registration":null'));
    expect(registered.length).toBeGreaterThan(0);
    for (const l of registered) expect(l).toMatch(/"registration":\d{13}\.0,"sessionId":\d+,/);
    for (const l of small.lines) expect(l).toMatch(/,"ts":\d{13},"userAgent":/);
    expect(real.lines[0]).toMatch(/"registration":\d{13}\.0,"sessionId":\d+,/);
  });

  it('ends every file without a trailing newline and has no blank lines', () => {
    for (const d of [real, small]) {
      for (const f of [...d.logFiles, ...d.songFiles]) {
        const text = readFileSync(path.join(d.dir, f), 'utf8');
        expect(text.endsWith('}')).toBe(true);
        expect(text).not.toMatch(/\n\n|^\n/);
      }
    }
  });
});

describe('determinism', () => {
  it('gives identical bytes for the same seed and different bytes for another seed', async () => {
    const again = await generate(SMALL);
    const other = await generate({ ...SMALL, seed: 7 });
    const first = hashTree(small.dir);
    expect(hashTree(again.dir)).toEqual(first);
    expect(again.result).toEqual(small.result);
    const otherHashes = hashTree(other.dir);
    expect(otherHashes).not.toEqual(first);
    const changedLogs = small.logFiles.filter((f) => otherHashes.get(f) !== first.get(f));
    expect(changedLogs).toEqual(small.logFiles);
  });
});

describe('quirks', () => {
  it('has logged-out events with an empty userId and no identity', () => {
    const out = small.events.filter((e) => e.auth === 'Logged Out');
    expect(out.length).toBeGreaterThan(0);
    for (const e of out) {
      expect(e).toMatchObject({ userId: '', firstName: null, lastName: null, gender: null, location: null, registration: null, userAgent: null });
    }
    expect(out.some((e) => e.page === 'Login')).toBe(true);
  });

  it('has a user whose level changes, right after a Submit Upgrade/Downgrade event', () => {
    const byUser = new Map<string, Array<Record<string, unknown>>>();
    for (const e of small.events) {
      if (e.userId === '') continue;
      const list = byUser.get(str(e.userId)) ?? [];
      list.push(e);
      byUser.set(str(e.userId), list);
    }
    let changes = 0;
    for (const events of byUser.values()) {
      for (let i = 1; i < events.length; i++) {
        if (events[i].level === events[i - 1].level) continue;
        changes++;
        const submit = events[i - 1].level === 'free' ? 'Submit Upgrade' : 'Submit Downgrade';
        expect(events[i - 1].page).toBe(submit);
      }
    }
    expect(changes).toBeGreaterThan(0);
  });

  it('has double-encoded names that decode (latin1→utf8 twice) to a song_data name', () => {
    // The real sample: "Björk" as "Bj\u00c3\u0083\u00c2\u00b6rk".
    expect(real.events.some((e) => typeof e.artist === 'string' && undoMojibake(e.artist) === 'Björk' && e.artist !== 'Björk')).toBe(true);
    const catalogText = new Set(small.songs.flatMap((s) => [str(s.title), str(s.artist_name)]));
    const garbled = small.events
      .flatMap((e) => [e.artist, e.song])
      .filter((v): v is string => typeof v === 'string' && undoMojibake(v) !== v);
    expect(garbled.length).toBeGreaterThan(0);
    for (const v of garbled) {
      const clean = undoMojibake(v);
      expect(/[\u0080-\uffff]/.test(clean)).toBe(true);
      expect(clean).toBe(Buffer.from(Buffer.from(v, 'latin1').toString('utf8'), 'latin1').toString('utf8'));
    }
    expect(garbled.some((v) => catalogText.has(undoMojibake(v)))).toBe(true);
  });

  it('has correctly encoded non-ASCII names too', () => {
    const values = small.events.flatMap((e) => [e.firstName, e.lastName, e.artist, e.song]).filter((v): v is string => typeof v === 'string');
    const clean = values.filter((v) => /[\u0080-\uffff]/.test(v) && undoMojibake(v) === v);
    expect(clean.length).toBeGreaterThan(0);
    const songText = small.songs.flatMap((s) => [str(s.title), str(s.artist_name), str(s.artist_location)]);
    expect(songText.some((v) => /[\u0080-\uffff]/.test(v))).toBe(true);
  });

  it('has names with leading, trailing or doubled spaces', () => {
    const stray = (v: unknown) => typeof v === 'string' && (/^\s|\s$|\s{2}/.test(v));
    expect(small.events.some((e) => stray(e.song) || stray(e.artist))).toBe(true);
    expect(small.songs.some((s) => stray(s.title) || stray(s.artist_name))).toBe(true);
  });

  it('has an artist_id with several name variants', () => {
    const names = new Map<string, Set<string>>();
    for (const s of small.songs) {
      const set = names.get(str(s.artist_id)) ?? new Set<string>();
      set.add(str(s.artist_name));
      names.set(str(s.artist_id), set);
    }
    const variants = [...names.values()].filter((set) => set.size >= 2);
    expect(variants.length).toBeGreaterThan(0);
    // Variants extend the base name ("X featuring Y"), as in the Million Song Dataset.
    for (const set of variants) {
      const sorted = [...set].sort((a, b) => a.length - b.length);
      expect(sorted.slice(1).every((n) => n.startsWith(sorted[0].trimEnd()))).toBe(true);
    }
    expect(small.songs.some((s) => s.year === 0)).toBe(true);
    expect(small.songs.some((s) => s.artist_location === '' && s.artist_latitude === null)).toBe(true);
  });
});

describe('matching NextSong events to song_data', () => {
  it('matches most plays exactly, some only after repair, and leaves the rest unmatched', async () => {
    const d = await generate({ days: 7, users: 60, songs: 200, seed: 2024 });
    const exact = new Set(d.songs.map((s) => `${s.title}\u0000${s.artist_name}\u0000${s.duration}`));
    const repaired = new Set(d.songs.map((s) => `${repair(str(s.title))}\u0000${repair(str(s.artist_name))}\u0000${s.duration}`));
    const plays = d.events.filter((e) => e.page === 'NextSong');
    expect(plays.length).toBeGreaterThan(500);
    let exactCount = 0;
    let repairedCount = 0;
    for (const e of plays) {
      if (exact.has(`${e.song}\u0000${e.artist}\u0000${e.length}`)) exactCount++;
      else if (repaired.has(`${repair(str(e.song))}\u0000${repair(str(e.artist))}\u0000${e.length}`)) repairedCount++;
    }
    const unmatched = plays.length - exactCount - repairedCount;
    expect(exactCount / plays.length).toBeGreaterThanOrEqual(0.6);
    expect(exactCount / plays.length).toBeLessThanOrEqual(0.8);
    expect(repairedCount / plays.length).toBeGreaterThan(0.03);
    expect(unmatched / plays.length).toBeGreaterThan(0.1);
    // Unmatched plays still look like songs: some share a title and artist with the catalog, only the length differs.
    const titleArtist = new Set(d.songs.map((s) => `${s.title}\u0000${s.artist_name}`));
    expect(plays.some((e) => titleArtist.has(`${e.song}\u0000${e.artist}`) && !exact.has(`${e.song}\u0000${e.artist}\u0000${e.length}`))).toBe(true);
  });
});

const REPO = path.resolve(__dirname, '..');

/**
 * Runs `body` in a fresh Node with gc exposed and returns what it prints as JSON. The heap measured
 * is then the generator's alone: in a jest worker it also holds every module earlier test files
 * loaded, and each full collection of that heap took long enough to starve the generator (the
 * streaming test once ran past jest's 180 s timeout in CI).
 */
function measureInFreshNode(body: string): unknown {
  const script = `
    const { generateDataset } = require(${JSON.stringify(path.join(REPO, 'dist/generate'))});
    const { buildUsers } = require(${JSON.stringify(path.join(REPO, 'dist/generate/users'))});
    const liveHeap = () => { globalThis.gc(); return process.memoryUsage().heapUsed; };
    (async () => { ${body} })().then(
      (out) => process.stdout.write(JSON.stringify(out)),
      (err) => { console.error(err); process.exit(2); },
    );`;
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }));
}

describe('memory at scale', () => {
  /** Peak live heap (garbage collected first) sampled while a data set is generated. */
  function peakLiveHeap(opts: Omit<GenerateOptions, 'outDir'>): { peak: number; events: number } {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkify-gen-mem-'));
    tmpDirs.push(dir);
    // The writer awaits the file stream every 64 KB, so samples run all along the generation. The
    // next sample waits at least four times as long as the last collection took, so sampling never
    // takes more than a fifth of the time, however large the heap.
    return measureInFreshNode(`
      let peak = liveHeap();
      let timer;
      const sample = () => {
        const started = Date.now();
        peak = Math.max(peak, liveHeap());
        timer = setTimeout(sample, Math.max(100, 4 * (Date.now() - started)));
      };
      timer = setTimeout(sample, 100);
      const result = await generateDataset({ outDir: ${JSON.stringify(dir)}, ...${JSON.stringify(opts)} });
      clearTimeout(timer);
      return { peak: Math.max(peak, liveHeap()), events: result.events };`) as { peak: number; events: number };
  }

  it('holds well under 1 KB per user (a user agent escaped char by char held kilobytes)', () => {
    const { users, perUser } = measureInFreshNode(`
      const before = liveHeap();
      const users = buildUsers(7, 20000, Date.UTC(2018, 10, 1), 10);
      return { users: users.length, perUser: (liveHeap() - before) / users.length };`) as { users: number; perUser: number };
    expect(users).toBe(20_000);
    expect(perUser).toBeLessThan(1024);
  });

  it('streams: 10× the days (and events) needs about the same live heap', () => {
    // The generator holds state per user with events still to come, so its heap grows with the
    // users seen so far and then stays flat. In two days about a third of 2,000 users show up, and a
    // 20-day run peaked 1.22-1.30× higher for that reason alone; in ten days four in five show up.
    // Keeping 8 bytes per event makes the long run's peak 1.59× the short one's.
    const short = peakLiveHeap({ days: 10, users: 2_000, songs: 1_000, seed: 5 });
    const long = peakLiveHeap({ days: 100, users: 2_000, songs: 1_000, seed: 5 });
    expect(long.events).toBeGreaterThan(8 * short.events);
    expect(long.peak).toBeLessThan(short.peak * 1.3);
  });

  it('the benchmark sizes are about 160k, 1.6M and 8M events, the largest with at least 70,000 song files', () => {
    // Events scale with users (about 2.9 events per user-day, measured on the generator).
    expect(SIZES.map((s) => s.name)).toEqual(['160k', '1.6M', '8M']);
    expect(SIZES.map((s) => Math.round((s.users * s.days * 2.87) / 1e4) * 1e4)).toEqual([160_000, 1_610_000, 8_050_000]);
    expect(SIZES[2].songs).toBeGreaterThanOrEqual(70_000);
  });
});
