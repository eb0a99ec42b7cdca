import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createActivities } from '../src/activities';
import { listedKeys } from '../src/activities/ledger';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { LocalSource, type Source, type SourceObject } from '../src/source';
import { stageInWarehouse } from '../src/staging/stageInWarehouse';
import { hasChunkedStaging } from '../src/warehouse/types';
import { goodSong } from './support/badInputCorpus';

/**
 * Song files are many small objects: staging keeps as many reads in flight as the source asks for
 * (`smallReadConcurrency`: 48 on S3, where each read waits a round trip), not a fixed number.
 */
const RUN = 'song-reads-run';
const FILES = 60;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-song-reads-'));
  for (let i = 0; i < FILES; i++) {
    const id = String(i).padStart(4, '0');
    const file = path.join(dir, 'song_data', 'A', 'B', 'C', `TRAAB${id}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(goodSong(id)));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * The local directory seen through `open` only (as S3 is: no whole reads, no file paths), with
 * `smallReadConcurrency` as given. Each read stays open until `concurrency` reads are open at once
 * (or every file has started, or a second has passed: a stager that keeps fewer in flight is then
 * seen to), so the most open at once is what the stager keeps in flight.
 */
function countingSource(root: string, concurrency: number): { source: Source; mostOpen: () => number } {
  const local = new LocalSource(root);
  let open = 0;
  let started = 0;
  let mostOpen = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const timer = setTimeout(release, 1000);
  const source: Source = {
    description: `counting ${local.description}`,
    smallReadConcurrency: concurrency,
    list: (prefix: string): AsyncIterable<SourceObject> => local.list(prefix),
    readHead: (key: string, bytes: number) => local.readHead(key, bytes),
    async open(key: string): Promise<Readable> {
      open++;
      started++;
      mostOpen = Math.max(mostOpen, open);
      if (open >= concurrency || started === FILES) {
        clearTimeout(timer);
        release();
      }
      await released;
      const stream = await local.open(key);
      stream.once('close', () => open--);
      return stream;
    },
  };
  return { source, mostOpen: () => mostOpen };
}

test.each([5, 23])('song staging keeps %i reads in flight when the source asks for that many', async (concurrency) => {
  const resources = new Resources({ s3: {}, log: silentLogger });
  const activities = createActivities({ resources, log: silentLogger });
  const warehouse = `duckdb:${path.join(dir, `wh-${concurrency}.duckdb`)}`;
  const ref = { runId: RUN, source: dir, warehouse };
  try {
    await activities.createSchema(ref);
    await activities.listSourceFiles({ ...ref, window: null });
    const opened = await resources.warehouse(warehouse);
    if (!hasChunkedStaging(opened)) throw new Error('DuckDB should offer chunked staging');
    const keys = await listedKeys(opened, RUN, 'songs');
    expect(keys.count).toBe(FILES);
    const { source, mostOpen } = countingSource(dir, concurrency);
    const result = await stageInWarehouse({ runId: RUN, kind: 'songs', keys, source, warehouse: opened, heartbeat: () => undefined });
    expect(mostOpen()).toBe(concurrency);
    expect(result).toMatchObject({ files: FILES, recordsStaged: FILES, recordsRejected: 0 });
  } finally {
    await resources.close();
  }
});
