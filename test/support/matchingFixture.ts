/**
 * A small generated source directory (same layout and record shapes as the Udacity sample) where
 * most plays match a song, and the hard cases of matching are all there: mojibake up to the
 * repair's rounds (Latin-1 and Windows-1252 characters), odd white space, case, decomposed
 * accents, durations just inside and just outside the tolerance, two songs with one title and
 * artist, one title by different artists, artists with several name/location/coordinate variants,
 * and plays that must not match.
 *
 * Besides the files, it returns what each case was built to be (`intent`), written down while
 * building, not derived from any rule: a test checks its rule-based expectations against it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RawSong } from './expectations';
import { Prng } from '../../src/generate/prng';
import { mangle } from './mojibake';

/** A song file as the sample's are written: the fields the tests read, plus num_songs. */
export interface FixtureSong extends RawSong {
  num_songs: number;
}

export interface FixtureEvent {
  artist: string | null;
  auth: string;
  firstName: string;
  gender: string;
  itemInSession: number;
  lastName: string;
  length: number | null;
  level: string;
  location: string;
  method: string;
  page: string;
  registration: number;
  sessionId: number;
  song: string | null;
  status: number;
  ts: number;
  userAgent: string;
  userId: string;
}

export interface IntendedArtist {
  name: string;
  location: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface MatchingFixture {
  root: string;
  /** The dates of the log files, in order. */
  days: string[];
  songs: FixtureSong[];
  events: FixtureEvent[];
  intent: {
    /** Per NextSong event (by its index in `events`): the song it was built to match, or null, and why. */
    plays: { event: number; songId: string | null; why: string }[];
    /** Per artist_id: the variant the artists table should keep. */
    artists: Map<string, IntendedArtist>;
    /** Per song_id: its title once repaired. */
    titles: Map<string, string>;
  };
}

/** The generator's seeded stream (mulberry32), so every run writes the same files. */
function random(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

const AGENT = '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36"';
const USERS = [
  { userId: '11', firstName: 'Ann', lastName: 'Lee', gender: 'F', level: 'free', location: 'Boston-Cambridge-Newton, MA-NH' },
  { userId: '12', firstName: 'Bo', lastName: 'Diaz', gender: 'M', level: 'paid', location: 'Phoenix-Mesa-Scottsdale, AZ' },
  { userId: '13', firstName: 'Cy', lastName: 'Ng', gender: 'M', level: 'free', location: 'Chicago-Naperville-Elgin, IL-IN-WI' },
  { userId: '14', firstName: 'Di', lastName: 'Roe', gender: 'F', level: 'paid', location: 'Atlanta-Sandy Springs-Roswell, GA' },
  { userId: '15', firstName: 'Ed', lastName: 'Poe', gender: 'M', level: 'free', location: 'Lansing-East Lansing, MI' },
];
const DAYS = ['2018-11-05', '2018-11-06', '2018-11-07'];

interface SongSpec {
  n: number;
  artistId: string;
  /** Text as written in the song file (damaged or not). */
  title: string;
  artistName: string;
  location: string;
  lat: number | null;
  lon: number | null;
  duration: number;
  /** Repaired title: what songs.title should hold. */
  cleanTitle: string;
}

interface PlaySpec {
  song: string;
  artist: string;
  length: number;
  songId: string | null;
  why: string;
}

const songId = (n: number) => `SOMATCH${String(n).padStart(11, '0')}`;
const artistId = (tag: string) => `ARMATCH${tag.toUpperCase().padEnd(11, 'X')}`;

export function writeMatchingFixture(root: string): MatchingFixture {
  const specs: SongSpec[] = [];
  const artists = new Map<string, IntendedArtist>();
  const add = (artistTag: string, title: string, artistName: string, where: { location?: string; lat?: number; lon?: number }, duration: number, cleanTitle = title) => {
    const n = specs.length + 1;
    specs.push({ n, artistId: artistId(artistTag), title, artistName, location: where.location ?? '', lat: where.lat ?? null, lon: where.lon ?? null, duration, cleanTitle });
    return songId(n);
  };
  const intendArtist = (tag: string, artist: IntendedArtist) => artists.set(artistId(tag), artist);

  // --- Artists with variants (the README's rule: coordinates known, a location given, the shortest
  // name, the smallest name; one whole variant is kept). Written as what each case should keep.
  // Björk: only the first variant has coordinates; its name is mojibake twice, its location once.
  const joga = add('bjork', mangle('Jóga', 2), mangle('Björk', 2), { location: mangle('Reykjavík, Iceland', 1), lat: 64.13548, lon: -21.89541 }, 305.26649, 'Jóga');
  const hyperballad = add('bjork', 'Hyperballad', 'Björk featuring Thom Yorke', {}, 321.4, 'Hyperballad');
  const armyOfMe = add('bjork', 'Army of Me', ' Björk\t', { location: 'Iceland' }, 234.1, 'Army of Me');
  intendArtist('bjork', { name: 'Björk', location: 'Reykjavík, Iceland', latitude: 64.13548, longitude: -21.89541 });
  // Sigur Rós: no coordinates anywhere; the only variant with a location wins though its name is longer.
  const hoppipolla = add('sigur', mangle('Hoppípolla', 1), 'Sigur Rós', {}, 268.38, 'Hoppípolla');
  const staralfur = add('sigur', 'Starálfur', 'Sigur Rós & Amiina', { location: 'Reykjavík' }, 407.2, 'Starálfur');
  intendArtist('sigur', { name: 'Sigur Rós & Amiina', location: 'Reykjavík', latitude: null, longitude: null });
  // Motörhead: both with coordinates and a location; the shortest name once repaired wins, though
  // its raw text (mojibake three times) is the longest.
  const aceOfSpades = add('motor', 'Ace of Spades', mangle('Motörhead', 3), { location: 'London, England', lat: 51.50632, lon: -0.12714 }, 169.1);
  const overkill = add('motor', 'Overkill', 'Motorhead UK', { location: 'Stoke-on-Trent, England', lat: 53.00415, lon: -2.18538 }, 312.6);
  intendArtist('motor', { name: 'Motörhead', location: 'London, England', latitude: 51.50632, longitude: -0.12714 });
  // Blur: names of the same length; the smallest wins (the same under any collation).
  const song2 = add('blur', 'Song 2', 'Blur (US)', { location: 'Colchester, England', lat: 51.88921, lon: 0.90421 }, 121.9);
  const parklife = add('blur', 'Parklife', 'Blur (UK)', { location: 'London, England', lat: 51.50853, lon: -0.12574 }, 185.6);
  intendArtist('blur', { name: 'Blur (UK)', location: 'London, England', latitude: 51.50853, longitude: -0.12574 });
  // Daft Punk: stray white space in the name of the variant with coordinates; repaired in artists.
  const oneMoreTime = add('daft', 'One More Time', '  Daft   Punk ', { location: 'Paris, France', lat: 48.85661, lon: 2.35222 }, 320.5);
  const aroundTheWorld = add('daft', 'Around the World', 'Daft Punk', { location: 'Paris' }, 429.5);
  intendArtist('daft', { name: 'Daft Punk', location: 'Paris, France', latitude: 48.85661, longitude: 2.35222 });
  // Air: a location of blanks is no location.
  const sexyBoy = add('air', 'Sexy Boy', 'Air', { location: '   ' }, 298.3);
  const kelly = add('air', 'Kelly Watch the Stars', 'Air (French band)', { location: 'Versailles, France' }, 224.7);
  intendArtist('air', { name: 'Air (French band)', location: 'Versailles, France', latitude: null, longitude: null });
  // Moby: coordinates beat a location, and the kept variant has none (no location: NULL).
  const porcelain = add('moby', 'Porcelain', 'Moby', { lat: 40.71455, lon: -74.00712 }, 241.5);
  const naturalBlues = add('moby', 'Natural Blues', 'Moby', { location: 'New York, NY' }, 252.9);
  intendArtist('moby', { name: 'Moby', location: null, latitude: 40.71455, longitude: -74.00712 });

  // --- One title, different artists, durations within the tolerance of each other.
  const helloAdele = add('adele', 'Hello', 'Adele', { location: 'London, England', lat: 51.50853, lon: -0.12574 }, 295.5);
  const helloLionel = add('lionel', 'Hello', 'Lionel Richie', { location: 'Tuskegee, AL' }, 296.0);
  intendArtist('adele', { name: 'Adele', location: 'London, England', latitude: 51.50853, longitude: -0.12574 });
  intendArtist('lionel', { name: 'Lionel Richie', location: 'Tuskegee, AL', latitude: null, longitude: null });

  // --- Coldplay: the tolerance's edges, and two songs with one title and artist.
  const coldplay = { location: 'London, England', lat: 51.50853, lon: -0.12574 };
  const clocks = add('coldplay', 'Clocks', 'Coldplay', coldplay, 307.0);
  const yellow = add('coldplay', 'Yellow', 'Coldplay', coldplay, 266.0);
  const yellowLive = add('coldplay', 'Yellow', 'Coldplay', coldplay, 272.0);
  const fixYou = add('coldplay', 'Fix You', 'Coldplay', coldplay, 295.0);
  const fixYouLong = add('coldplay', 'Fix You', 'Coldplay', coldplay, 298.0);
  intendArtist('coldplay', { name: 'Coldplay', location: 'London, England', latitude: 51.50853, longitude: -0.12574 });

  // --- Text: Windows-1252 mojibake, decomposed accents, Latin-1 text that must stay, white space.
  const dontStop = add('queen', mangle('Don’t Stop Me Now', 1), 'Queen', { location: 'London, England' }, 209.3, 'Don’t Stop Me Now');
  intendArtist('queen', { name: 'Queen', location: 'London, England', latitude: null, longitude: null });
  const cafe = add('energy', 'Cafe\u0301 Del Mar', 'Energy 52', {}, 444.4, 'Café Del Mar');
  intendArtist('energy', { name: 'Energy 52', location: null, latitude: null, longitude: null });
  const senorita = add('shawn', 'Señorita', 'Shawn Mendes & Camila Cabello', { location: 'Toronto, ON' }, 190.8);
  intendArtist('shawn', { name: 'Shawn Mendes & Camila Cabello', location: 'Toronto, ON', latitude: null, longitude: null });
  const furElise = add('ludwig', 'Für Elise', 'Beethoven', { location: 'Bonn' }, 175.2);
  intendArtist('ludwig', { name: 'Beethoven', location: 'Bonn', latitude: null, longitude: null });
  const paranoid = add('radiohead', ' Paranoid  Android ', 'Radiohead', { location: 'Abingdon, England', lat: 51.67078, lon: -1.28278 }, 383.6, 'Paranoid Android');
  intendArtist('radiohead', { name: 'Radiohead', location: 'Abingdon, England', latitude: 51.67078, longitude: -1.28278 });

  const plays: PlaySpec[] = [
    // Variant artists: each song matched by its own file's artist name, repaired.
    { song: 'Jóga', artist: 'Björk', length: 305.26649, songId: joga, why: 'both sides clean vs the file\'s double mojibake' },
    { song: mangle('Jóga', 1), artist: mangle('Björk', 3), length: 304.9, songId: joga, why: 'mojibake once and three times' },
    { song: 'HYPERBALLAD', artist: 'BJÖRK FEATURING THOM YORKE', length: 321.4, songId: hyperballad, why: 'upper case, non-ASCII' },
    { song: 'Army  of  Me', artist: 'björk', length: 235.0, songId: armyOfMe, why: 'doubled spaces; the file has a tab' },
    { song: 'Hoppípolla', artist: 'Sigur Rós', length: 268.38, songId: hoppipolla, why: 'song title mojibake once' },
    { song: mangle('Starálfur', 2), artist: mangle('Sigur Rós & Amiina', 2), length: 406.5, songId: staralfur, why: 'play mojibake twice' },
    { song: 'Ace of Spades', artist: 'Motörhead', length: 170.0, songId: aceOfSpades, why: 'file artist mojibake three times' },
    { song: 'Overkill', artist: 'Motorhead UK', length: 312.6, songId: overkill, why: 'plain' },
    { song: 'Song 2', artist: 'Blur (US)', length: 121.9, songId: song2, why: 'the variant that loses still matches its song' },
    { song: 'Parklife', artist: 'blur (uk)', length: 186.1, songId: parklife, why: 'case' },
    { song: '\ufeffParklife', artist: '\ufeffblur (uk)', length: 186.3, songId: parklife, why: 'a leading U+FEFF on both parts (DuckDB\'s client dropped it when reading a value back)' },
    { song: 'One More Time', artist: 'Daft Punk', length: 320.5, songId: oneMoreTime, why: 'file artist with stray spaces' },
    { song: 'around the world', artist: ' DAFT PUNK ', length: 428.0, songId: aroundTheWorld, why: 'case and spaces' },
    { song: 'Sexy Boy', artist: 'Air', length: 298.3, songId: sexyBoy, why: 'plain' },
    { song: 'Kelly Watch the Stars', artist: 'Air (French band)', length: 224.0, songId: kelly, why: 'plain' },
    { song: 'Porcelain', artist: 'Moby', length: 241.5, songId: porcelain, why: 'plain' },
    { song: 'Natural Blues', artist: 'moby', length: 253.9, songId: naturalBlues, why: 'case' },
    // One title, different artists.
    { song: 'Hello', artist: 'Adele', length: 295.4, songId: helloAdele, why: 'the artist decides between two "Hello"' },
    { song: 'hello', artist: 'LIONEL RICHIE', length: 295.4, songId: helloLionel, why: 'the artist decides between two "Hello"' },
    { song: 'Hello', artist: 'Evanescence', length: 295.6, songId: null, why: 'a known title by an artist with no such song' },
    { song: 'Yellow', artist: 'Adele', length: 266.0, songId: null, why: 'a known title and a known artist, not together' },
    // The tolerance's edges (Clocks lasts 307.0 s).
    { song: 'Clocks', artist: 'Coldplay', length: 308.99, songId: clocks, why: '1.99 s longer' },
    { song: 'Clocks', artist: 'Coldplay', length: 305.01, songId: clocks, why: '1.99 s shorter' },
    { song: 'Clocks', artist: 'Coldplay', length: 308.999, songId: clocks, why: '1.999 s longer' },
    { song: 'Clocks', artist: 'Coldplay', length: 309.01, songId: null, why: '2.01 s longer' },
    { song: 'Clocks', artist: 'Coldplay', length: 304.99, songId: null, why: '2.01 s shorter' },
    { song: 'Clocks', artist: 'Coldplay', length: 309.001, songId: null, why: '2.001 s longer' },
    { song: 'Clocks', artist: 'Coldplay', length: 309.0, songId: clocks, why: 'exactly 2 s longer (within: at most 2 s)' },
    { song: 'Clocks', artist: 'Coldplay', length: 305.0, songId: clocks, why: 'exactly 2 s shorter' },
    { song: 'Clocks', artist: 'Coldplay', length: 307.0, songId: clocks, why: 'exact (a strict match)' },
    // Two songs with one title and artist: the duration picks.
    { song: 'Yellow', artist: 'Coldplay', length: 265.0, songId: yellow, why: 'only the 266 s song is within 2 s' },
    { song: 'Yellow', artist: 'Coldplay', length: 271.5, songId: yellowLive, why: 'only the 272 s song is within 2 s' },
    { song: 'Yellow', artist: 'Coldplay', length: 269.0, songId: null, why: '3 s from both' },
    { song: 'Fix You', artist: 'Coldplay', length: 296.8, songId: fixYouLong, why: 'within 2 s of both; 1.2 s from the 298 s song, 1.8 s from the other' },
    { song: 'Fix You', artist: 'Coldplay', length: 294.5, songId: fixYou, why: 'only the 295 s song is within 2 s' },
    // Text.
    { song: 'Don’t Stop Me Now', artist: 'Queen', length: 209.3, songId: dontStop, why: 'file title Windows-1252 mojibake (’ → â€™)' },
    { song: mangle('Don’t Stop Me Now', 2), artist: 'QUEEN', length: 210.0, songId: dontStop, why: 'play title Windows-1252 mojibake twice' },
    { song: 'Café Del Mar', artist: 'Energy 52', length: 444.4, songId: cafe, why: 'composed é vs the file\'s decomposed e + U+0301' },
    { song: 'cafe\u0301 del mar', artist: 'energy 52', length: 443.0, songId: cafe, why: 'decomposed on both sides, lower case' },
    { song: 'Señorita', artist: 'Shawn Mendes & Camila Cabello', length: 190.8, songId: senorita, why: 'plain, non-ASCII (a strict match)' },
    { song: mangle('Señorita', 3), artist: mangle('Shawn Mendes & Camila Cabello', 3), length: 191.0, songId: senorita, why: 'mojibake three times (ASCII artist unchanged)' },
    { song: mangle('SEÑORITA', 1), artist: 'shawn mendes & camila cabello', length: 190.0, songId: senorita, why: 'upper case mojibake once' },
    { song: 'Für Elise', artist: 'Beethoven', length: 175.2, songId: furElise, why: 'genuine Latin-1 text left alone (a strict match)' },
    { song: 'Fur Elise', artist: 'Beethoven', length: 175.2, songId: null, why: 'accents are not folded' },
    { song: 'paranoid android', artist: 'Radiohead', length: 383.0, songId: paranoid, why: 'file title with stray spaces' },
    { song: 'Paranoid\tAndroid', artist: 'Radiohead ', length: 384.5, songId: paranoid, why: 'a tab in the title' },
    { song: 'Karma Police', artist: 'Radiohead', length: 264.0, songId: null, why: 'not in the catalogue' },
  ];

  // --- Bulk: ordinary songs by ordinary artists, each played a few times with small damage.
  const rand = random(20181105);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)];
  for (let a = 0; a < 6; a++) {
    const tag = `band${a}`;
    const name = `The Band ${String.fromCharCode(65 + a)}`;
    const where = a % 2 === 0 ? { location: `Town ${a}, USA`, lat: 30 + a, lon: -90 - a } : {};
    intendArtist(tag, { name, location: where.location ?? null, latitude: where.lat ?? null, longitude: where.lon ?? null });
    for (let s = 0; s < 5; s++) {
      const title = `Track ${a}${s} ${pick(['Blue', 'Red', 'Gold', 'Grey'])}`;
      const duration = Math.round((150 + rand() * 200) * 100000) / 100000;
      const id = add(tag, title, name, where, duration);
      const times = 2 + Math.floor(rand() * 5);
      for (let p = 0; p < times; p++) {
        const damage = pick(['none', 'upper', 'lower', 'spaces']);
        const shown = (t: string) => (damage === 'upper' ? t.toUpperCase() : damage === 'lower' ? t.toLowerCase() : damage === 'spaces' ? ` ${t.replace(/ /g, '  ')} ` : t);
        const offset = Math.round((rand() * 3.6 - 1.8) * 1000) / 1000;
        plays.push({ song: shown(title), artist: shown(name), length: Math.round((duration + offset) * 100000) / 100000, songId: id, why: `bulk, ${damage}, ${offset} s` });
      }
    }
  }
  for (let u = 0; u < 12; u++) {
    plays.push({ song: `Unknown Song ${u}`, artist: pick(['The Band A', 'Coldplay', 'Nobody']), length: 200 + u, songId: null, why: 'bulk, not in the catalogue' });
  }

  // --- Write the song files, one song each, under song_data/A/B/<C|D>/.
  const songs: FixtureSong[] = specs.map((s) => ({
    num_songs: 1,
    artist_id: s.artistId,
    artist_latitude: s.lat,
    artist_longitude: s.lon,
    artist_location: s.location,
    artist_name: s.artistName,
    song_id: songId(s.n),
    title: s.title,
    duration: s.duration,
    year: 1990 + (s.n % 30),
  }));
  for (const [i, song] of songs.entries()) {
    const dir = path.join(root, 'song_data', 'A', 'B', i % 2 === 0 ? 'C' : 'D');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `TRMATCH${String(i + 1).padStart(11, '0')}.json`), JSON.stringify(song));
  }

  // --- Write the logs: the plays spread over three days and five users, with a Home event now and then.
  const events: FixtureEvent[] = [];
  const intendedPlays: MatchingFixture['intent']['plays'] = [];
  const item = new Map<string, number>();
  for (const [i, play] of plays.entries()) {
    const user = USERS[i % USERS.length];
    const day = DAYS[i % DAYS.length];
    const ts = Date.parse(`${day}T00:00:00Z`) + 60_000 * (i + 1) + 796;
    const sessionId = 500 + (i % USERS.length);
    const base = {
      auth: 'Logged In', firstName: user.firstName, gender: user.gender, lastName: user.lastName, level: user.level,
      location: user.location, registration: 1540000000796, sessionId, status: 200, userAgent: AGENT, userId: user.userId,
    };
    const next = () => {
      const key = `${user.userId}|${sessionId}`;
      const n = item.get(key) ?? 0;
      item.set(key, n + 1);
      return n;
    };
    if (i % 7 === 0) events.push({ ...base, artist: null, song: null, length: null, itemInSession: next(), method: 'GET', page: 'Home', ts: ts - 1000 });
    intendedPlays.push({ event: events.length, songId: play.songId, why: play.why });
    events.push({ ...base, artist: play.artist, song: play.song, length: play.length, itemInSession: next(), method: 'PUT', page: 'NextSong', ts });
  }
  for (const day of DAYS) {
    const [y, m] = day.split('-');
    const dir = path.join(root, 'log_data', y, m);
    fs.mkdirSync(dir, { recursive: true });
    const lines = events.filter((e) => new Date(e.ts).toISOString().startsWith(day)).map((e) => JSON.stringify(e));
    fs.writeFileSync(path.join(dir, `${day}-events.json`), lines.join('\n'));
  }

  return {
    root,
    days: DAYS,
    songs,
    events,
    intent: { plays: intendedPlays, artists, titles: new Map(specs.map((s) => [songId(s.n), s.cleanTitle])) },
  };
}
