import { promises as fs } from 'fs';
import path from 'path';
import { ConfigError } from '../errors';

/** The folders of a data set: what `overwrite` deletes. */
const DATASET_FOLDERS = ['log_data', 'song_data'];

/**
 * Makes `dir` ready for a new data set. One that holds anything is refused: the generator
 * overwrites files of the same name only, so an older set's other days and songs would stay
 * beside the new ones. With `overwrite`, its log_data/ and song_data/ are deleted first; other
 * files stay.
 */
export async function prepareOutDir(dir: string, overwrite: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = (await fs.readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new ConfigError(`--out ${dir} is a file: give a directory for the data set`);
    throw err;
  }
  if (entries.length === 0) return;
  if (!overwrite) {
    const shown = entries.length > 3 ? `${entries.slice(0, 3).join(', ')}, …` : entries.join(', ');
    throw new ConfigError(
      `--out ${dir} is not empty (it holds ${shown}): a new data set would mix with what is there. ` +
        'Give a new or empty directory, or add --overwrite to delete its log_data/ and song_data/ first',
    );
  }
  for (const folder of DATASET_FOLDERS) await fs.rm(path.join(dir, folder), { recursive: true, force: true });
}
