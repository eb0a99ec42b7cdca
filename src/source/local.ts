import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Source, SourceObject } from './types';

export class LocalSource implements Source {
  constructor(private readonly root: string) {}

  get description(): string {
    return this.root;
  }

  async *list(prefix: string): AsyncIterable<SourceObject> {
    // The prefix's directory part is where listing starts; its last segment filters names.
    const slash = prefix.lastIndexOf('/');
    const startDir = path.join(this.root, prefix.slice(0, slash + 1));
    const keys: string[] = [];
    await collectFiles(startDir, keys);
    keys.sort();
    for (const abs of keys) {
      const key = path.relative(this.root, abs).split(path.sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const stat = await fs.stat(abs);
      yield { key, etag: `${stat.size}-${Math.trunc(stat.mtimeMs)}`, size: stat.size };
    }
  }

  async open(key: string): Promise<Readable> {
    const abs = path.join(this.root, ...key.split('/'));
    await fs.access(abs);
    return createReadStream(abs);
  }
}

async function collectFiles(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) await collectFiles(abs, out);
    else if (entry.isFile()) out.push(abs);
  }
}
