import { Prng, cumulativeWeights, deriveSeed } from './prng';
import { pyFloat, pyInt, pyNullableFloat, pyString } from './jsonFormat';
import {
  ARTIST_LOCATIONS,
  BAND_ADJECTIVES,
  BAND_NOUNS,
  BAND_WORDS_ACCENTED,
  FEATURED_CONNECTORS,
  FIRST_NAMES_ACCENTED_F,
  FIRST_NAMES_ACCENTED_M,
  FIRST_NAMES_F,
  FIRST_NAMES_M,
  LAST_NAMES,
  LAST_NAMES_ACCENTED,
  TITLES_ACCENTED,
  TITLE_SUFFIXES,
  TITLE_WORDS,
} from './names';

export interface Song {
  trackId: string;
  songId: string;
  artistId: string;
  artistName: string;
  artistLocation: string;
  artistLatitude: number | null;
  artistLongitude: number | null;
  title: string;
  duration: number;
  year: number;
}

/** A track users play that has no song_data file. */
export interface OffCatalogTrack {
  title: string;
  artist: string;
  duration: number;
}

export interface Catalog {
  songs: Song[];
  songPopularity: number[];
  /** Indices of songs whose title or artist name contains non-ASCII characters. */
  nonAsciiSongs: number[];
  offCatalog: OffCatalogTrack[];
  offCatalogPopularity: number[];
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const HEX = '0123456789ABCDEF';

export const NON_ASCII = /[\u0080-\uffff]/;

function randomChars(rng: Prng, alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

function uniqueId(seen: Set<string>, make: () => string): string {
  for (;;) {
    const id = make();
    if (!seen.has(id)) {
      seen.add(id);
      return id;
    }
  }
}

function personName(rng: Prng, accented: boolean): string {
  const female = rng.chance(0.5);
  const first = accented
    ? rng.pick(female ? FIRST_NAMES_ACCENTED_F : FIRST_NAMES_ACCENTED_M)
    : rng.pick(female ? FIRST_NAMES_F : FIRST_NAMES_M);
  const last = accented && rng.chance(0.5) ? rng.pick(LAST_NAMES_ACCENTED) : rng.pick(LAST_NAMES);
  return `${first} ${last}`;
}

function artistName(rng: Prng, accented: boolean): string {
  const style = rng.next();
  if (accented) {
    if (style < 0.5) return personName(rng, true);
    return `${rng.pick(BAND_WORDS_ACCENTED)} ${rng.pick(BAND_NOUNS)}`;
  }
  if (style < 0.4) return personName(rng, false);
  if (style < 0.8) return `The ${rng.pick(BAND_ADJECTIVES)} ${rng.pick(BAND_NOUNS)}`;
  return `${rng.pick(BAND_ADJECTIVES)} ${rng.pick(BAND_NOUNS)}`;
}

function uniqueName(seen: Set<string>, make: () => string): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const name = make();
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
  }
  // Word lists are finite: big catalogs fall back to numbered names.
  for (let n = 2; ; n++) {
    const name = `${make()} ${n}`;
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
  }
}

function songTitle(rng: Prng, accented: boolean): string {
  let title: string;
  if (accented) {
    title = rng.pick(TITLES_ACCENTED);
  } else {
    const words = rng.range(1, 3);
    const parts: string[] = [];
    for (let i = 0; i < words; i++) parts.push(rng.pick(TITLE_WORDS));
    title = parts.join(' ');
  }
  if (rng.chance(0.25)) title += rng.pick(TITLE_SUFFIXES);
  return title;
}

/** Durations print like the real data: five decimals, never integral. */
function duration(rng: Prng): number {
  const seconds = Math.min(2600, Math.max(15, Math.exp(Math.log(235) + 0.38 * rng.normal())));
  let scaled = Math.round(seconds * 1e5);
  if (scaled % 100000 === 0) scaled += 1;
  return scaled / 1e5;
}

function year(rng: Prng): number {
  if (rng.chance(0.45)) return 0;
  return 2010 - Math.min(45, Math.floor(Math.abs(rng.normal()) * 12));
}

/** Puts a doubled, leading or trailing space somewhere in `text`. */
export function straySpace(rng: Prng, text: string): string {
  const spaces: number[] = [];
  for (let i = 0; i < text.length; i++) if (text[i] === ' ') spaces.push(i);
  const kind = rng.next();
  if (spaces.length > 0 && kind < 0.6) {
    const at = rng.pick(spaces);
    return text.slice(0, at) + '  ' + text.slice(at + 1);
  }
  return kind < 0.85 ? text + ' ' : ' ' + text;
}

interface ArtistSeed {
  id: string;
  name: string;
  location: (typeof ARTIST_LOCATIONS)[number] | null;
}

export function buildCatalog(seed: number, songCount: number): Catalog {
  const rng = new Prng(deriveSeed(seed, 0xca7a106));
  const artistIds = new Set<string>();
  const artistNames = new Set<string>();
  const artistCount = Math.max(1, Math.min(songCount, Math.round(songCount * 0.55)));
  const artists: ArtistSeed[] = [];
  for (let a = 0; a < artistCount; a++) {
    // Fixed quotas (not chance) so even tiny catalogs carry every quirk.
    const accented = a % 8 === 3 || (a === 0 && artistCount < 4);
    let name = uniqueName(artistNames, () => artistName(rng, accented));
    if (a % 17 === 9) name += ' ';
    artists.push({
      id: uniqueId(artistIds, () => 'AR' + randomChars(rng, ID_CHARS, 16)),
      name,
      location: rng.chance(0.45) ? null : rng.pick(ARTIST_LOCATIONS),
    });
  }

  // Every artist gets one song; the extras go mostly to a few prolific artists, the first to artist 0.
  const owner: number[] = artists.map((_, a) => a);
  const prolific = cumulativeWeights(artists.map((_, a) => 1 / (a + 1)));
  for (let s = artistCount; s < songCount; s++) owner.push(s === artistCount ? 0 : rng.weighted(prolific));

  const songIds = new Set<string>();
  const trackIds = new Set<string>();
  const songsPerArtist = new Array<number>(artistCount).fill(0);
  const songs: Song[] = [];
  for (let s = 0; s < songCount; s++) {
    const artist = artists[owner[s]];
    const nth = songsPerArtist[owner[s]]++;
    let name = artist.name;
    let location = artist.location;
    // Later songs of an artist credit collaborators or carry another location, as in the Million Song Dataset.
    if (nth > 0) {
      if ((nth === 1 && owner[s] % 3 === 0) || rng.chance(0.3)) {
        const guest = rng.chance(0.5) ? personName(rng, false) : rng.pick(artists).name.trim();
        name = artist.name.trimEnd() + rng.pick(FEATURED_CONNECTORS) + guest;
      }
      if (rng.chance(0.3)) location = location === null ? rng.pick(ARTIST_LOCATIONS) : null;
    }
    let title = songTitle(rng, s % 10 === 7);
    if (s % 13 === 6) title = straySpace(rng, title);
    songs.push({
      trackId: uniqueId(trackIds, () => 'TRA' + randomChars(rng, UPPER, 4) + randomChars(rng, HEX, 11)),
      songId: uniqueId(songIds, () => 'SO' + randomChars(rng, UPPER, 5) + '12A' + randomChars(rng, HEX, 8)),
      artistId: artist.id,
      artistName: name,
      artistLocation: location?.name ?? '',
      artistLatitude: location?.lat ?? null,
      artistLongitude: location?.lon ?? null,
      title,
      duration: duration(rng),
      year: year(rng),
    });
  }

  const songPopularity = cumulativeWeights(rng.shuffle(songs.map((_, i) => 1 / Math.pow(i + 1, 0.9))));
  const nonAsciiSongs: number[] = [];
  songs.forEach((song, i) => {
    if (NON_ASCII.test(song.title) || NON_ASCII.test(song.artistName)) nonAsciiSongs.push(i);
  });

  const catalogKeys = new Set(songs.map(songKey));
  const offCatalog: OffCatalogTrack[] = [];
  const offCount = Math.max(20, songCount * 2);
  for (let i = 0; i < offCount; i++) {
    const kind = rng.next();
    let track: OffCatalogTrack;
    if (kind < 0.6) {
      track = { artist: artistName(rng, i % 9 === 4), title: songTitle(rng, i % 11 === 5), duration: duration(rng) };
    } else if (kind < 0.85) {
      track = { artist: rng.pick(artists).name, title: songTitle(rng, false), duration: duration(rng) };
    } else {
      // Same title and artist as a catalog song but another recording length: must not match.
      const song = rng.pick(songs);
      const shift = rng.range(1, 30) * (rng.chance(0.5) ? -1 : 1) + rng.range(1, 99999) / 1e5;
      track = { artist: song.artistName, title: song.title, duration: Math.round(Math.abs(song.duration + shift) * 1e5) / 1e5 };
    }
    while (catalogKeys.has(songKey({ title: track.title, artistName: track.artist, duration: track.duration }))) {
      track.duration = duration(rng);
    }
    offCatalog.push(track);
  }
  const offCatalogPopularity = cumulativeWeights(rng.shuffle(offCatalog.map((_, i) => 1 / Math.pow(i + 1, 0.7))));

  return { songs, songPopularity, nonAsciiSongs, offCatalog, offCatalogPopularity };
}

export function songKey(song: Pick<Song, 'title' | 'artistName' | 'duration'>): string {
  return `${song.title}\u0000${song.artistName}\u0000${song.duration}`;
}

/** Relative path of a song file: song_data/<3rd>/<4th>/<5th char of the track id>/<track id>.json */
export function songFilePath(song: Song): string {
  const t = song.trackId;
  return `song_data/${t[2]}/${t[3]}/${t[4]}/${t}.json`;
}

/** Exactly `json.dumps(obj)` with the real key order, no trailing newline. */
export function formatSongFile(song: Song): string {
  return (
    `{"num_songs": 1, "artist_id": ${pyString(song.artistId)}, ` +
    `"artist_latitude": ${pyNullableFloat(song.artistLatitude)}, "artist_longitude": ${pyNullableFloat(song.artistLongitude)}, ` +
    `"artist_location": ${pyString(song.artistLocation)}, "artist_name": ${pyString(song.artistName)}, ` +
    `"song_id": ${pyString(song.songId)}, "title": ${pyString(song.title)}, ` +
    `"duration": ${pyFloat(song.duration)}, "year": ${pyInt(song.year)}}`
  );
}
