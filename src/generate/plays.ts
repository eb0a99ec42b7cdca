import { Catalog, NON_ASCII, straySpace } from './catalog';
import { mojibake } from './jsonFormat';
import { Prng } from './prng';

/** What a NextSong event records about the play. */
export interface Track {
  song: string;
  artist: string;
  length: number;
}

/**
 * Share of plays that name a catalog song exactly, and that name one only after repair
 * (double-encoded UTF-8 undone, whitespace normalised). The rest are absent from song_data.
 */
export const EXACT_SHARE = 0.7;
export const REPAIRABLE_SHARE = 0.08;
/** Off-catalog plays keep their non-ASCII text this often; otherwise it is double-encoded. */
const OFF_CATALOG_CLEAN_TEXT = 0.15;

export function pickTrack(rng: Prng, catalog: Catalog): Track {
  const roll = rng.next();
  if (roll < EXACT_SHARE) {
    const song = catalog.songs[rng.weighted(catalog.songPopularity)];
    return { song: song.title, artist: song.artistName, length: song.duration };
  }
  if (roll < EXACT_SHARE + REPAIRABLE_SHARE) {
    const useNonAscii = catalog.nonAsciiSongs.length > 0 && rng.chance(0.5);
    const song = useNonAscii
      ? catalog.songs[rng.pick(catalog.nonAsciiSongs)]
      : catalog.songs[rng.weighted(catalog.songPopularity)];
    if (useNonAscii) {
      return { song: mojibake(song.title, 2), artist: mojibake(song.artistName, 2), length: song.duration };
    }
    return rng.chance(0.6)
      ? { song: straySpace(rng, song.title), artist: song.artistName, length: song.duration }
      : { song: song.title, artist: straySpace(rng, song.artistName), length: song.duration };
  }
  const track = catalog.offCatalog[rng.weighted(catalog.offCatalogPopularity)];
  const garble = (text: string) => (NON_ASCII.test(text) && !rng.chance(OFF_CATALOG_CLEAN_TEXT) ? mojibake(text, 2) : text);
  return { song: garble(track.title), artist: garble(track.artist), length: track.duration };
}
