import { promises as fs } from 'fs';
import { ConfigError } from '../errors';

/**
 * Refuses an output directory that holds anything: the generator overwrites files of the same name
 * only, so an older set's other days and songs would stay beside the new ones. There is no option
 * to delete what is there: a log_data/ beside it may be real data, so the user removes it.
 */
export async function requireEmptyOutDir(dir: string): Promise<void> {
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
  const shown = entries.length > 3 ? `${entries.slice(0, 3).join(', ')}, …` : entries.join(', ');
  throw new ConfigError(
    `--out ${dir} is not empty (it holds ${shown}): a new data set would mix with what is there. ` +
      'Give a new or empty directory (to replace an old generated set, delete it first)',
  );
}
