import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { Resources } from '../src/activities/resources';
import { silentLogger } from '../src/log';
import { LocalSource } from '../src/source';
import { goodEvent, goodSong } from './support/badInputCorpus';

/**
 * A local source holding what a real directory can hold besides regular files: symbolic links
 * (to a file, to nothing, to a directory, in a loop), a named pipe and a socket. Every entry ends
 * the listing accounted for, and nothing blocks on the pipe.
 */
let tmp: string;
let data: string;
let socketServer: net.Server;

const LOG = 'log_data/2018/11/2018-11-01-events.json';
const LINKED_LOG = 'log_data/2018/11/2018-11-02-events.json';
const LINKED_SONG = 'song_data/A/B/C/TRLINKED0001.json';
/** Entries that are not loadable files, and the reason each must be skipped for. */
const NOT_FILES: Record<string, RegExp> = {
  'log_data/2018/11/2018-11-03-events.json': /^a named pipe \(FIFO\), not a regular file$/,
  'song_data/A/B/C/TRSOCKET0001.json': /^a socket, not a regular file$/,
  'log_data/2018/11/2018-11-04-events.json': /^broken symbolic link \(its target does not exist\)$/,
  'song_data/A/B/C/TRLOOP000001.json': /^symbolic link loop$/,
  'song_data/A/B/C/TRLOOP000002.json': /^symbolic link loop$/,
  'song_data/A/B/D': /^symbolic link to a directory \(not followed/,
  'log_data/2018/11/2018-11-05-events.json': /^symbolic link to a named pipe \(FIFO\), not a regular file$/,
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkify-local-'));
  data = path.join(tmp, 'data');
  const at = (key: string) => path.join(data, ...key.split('/'));
  for (const dir of ['log_data/2018/11', 'song_data/A/B/C']) fs.mkdirSync(at(dir), { recursive: true });
  fs.writeFileSync(at(LOG), JSON.stringify(goodEvent(0)) + '\n');
  // Link targets outside the source: a file to load, and a directory.
  const outside = path.join(tmp, 'elsewhere');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'events.json'), JSON.stringify(goodEvent(1, { ts: Date.UTC(2018, 10, 2, 12) })) + '\n');
  fs.writeFileSync(path.join(outside, 'song.json'), JSON.stringify(goodSong('LINK1')));
  fs.symlinkSync(path.join(outside, 'events.json'), at(LINKED_LOG));
  fs.symlinkSync(path.join(outside, 'song.json'), at(LINKED_SONG));
  const fifo = at('log_data/2018/11/2018-11-03-events.json');
  const made = spawnSync('mkfifo', [fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
  socketServer = net.createServer();
  await new Promise<void>((resolve) => socketServer.listen(at('song_data/A/B/C/TRSOCKET0001.json'), resolve));
  fs.symlinkSync(path.join(outside, 'missing.json'), at('log_data/2018/11/2018-11-04-events.json'));
  fs.symlinkSync(at('song_data/A/B/C/TRLOOP000002.json'), at('song_data/A/B/C/TRLOOP000001.json'));
  fs.symlinkSync(at('song_data/A/B/C/TRLOOP000001.json'), at('song_data/A/B/C/TRLOOP000002.json'));
  fs.symlinkSync(outside, at('song_data/A/B/D'));
  fs.symlinkSync(fifo, at('log_data/2018/11/2018-11-05-events.json'));
});

afterAll(async () => {
  await new Promise((r) => socketServer?.close(r));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('LocalSource.list reports every entry: links to files as files, everything else with a reason', async () => {
  const listed = [];
  for await (const obj of new LocalSource(data).list('')) listed.push(obj);
  const byKey = new Map(listed.map((o) => [o.key, o]));
  expect([...byKey.keys()].sort()).toEqual([LOG, LINKED_LOG, LINKED_SONG, ...Object.keys(NOT_FILES)].sort());
  for (const key of [LOG, LINKED_LOG, LINKED_SONG]) expect(byKey.get(key)).toEqual({ key, etag: expect.any(String), size: expect.any(Number) });
  // A followed link has its target's size.
  expect(byKey.get(LINKED_SONG)!.size).toBe(JSON.stringify(goodSong('LINK1')).length);
  for (const [key, reason] of Object.entries(NOT_FILES)) expect({ key, skip: byKey.get(key)!.skip }).toEqual({ key, skip: expect.stringMatching(reason) });
});

test('opening a named pipe fails at once (it never waits for a writer), naming what it is', async () => {
  await expect(new LocalSource(data).open('log_data/2018/11/2018-11-03-events.json')).rejects.toMatchObject({
    code: 'ENOTREG',
    message: 'log_data/2018/11/2018-11-03-events.json is a named pipe (FIFO), not a regular file',
  });
  await expect(new LocalSource(data).open('log_data/2018/11/2018-11-05-events.json')).rejects.toMatchObject({ code: 'ENOTREG' });
});

test('a run lists, stages and accounts for every entry: linked files loaded, the rest in etl_skipped_files and the summary', async () => {
  const resources = new Resources({ s3: {}, log: silentLogger });
  try {
    const activities = createActivities({ resources, log: silentLogger });
    const warehouse = `duckdb:${path.join(tmp, 'wh.duckdb')}`;
    const ref = { runId: 'local-run', source: data, warehouse };
    await activities.createSchema(ref);
    const listed = await activities.listSourceFiles({ ...ref, window: null });
    expect(listed).toMatchObject({ eventFiles: 2, songFiles: 1, skippedFiles: Object.keys(NOT_FILES).length });
    expect(listed.skippedSamples!.map((s) => s.sourceKey).sort()).toEqual(Object.keys(NOT_FILES).sort());
    const w = await resources.warehouse(warehouse);
    const skipped = await w.query("SELECT source_key, reason FROM etl_skipped_files WHERE run_id = 'local-run' ORDER BY source_key");
    expect(skipped).toEqual(
      Object.entries(NOT_FILES)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, reason]) => ({ source_key: key, reason: expect.stringMatching(reason) })),
    );
    await expect(activities.stageEvents({ ...ref, maxRejectRate: 0 })).resolves.toMatchObject({ files: 2, recordsStaged: 2, recordsRejected: 0 });
    await expect(activities.stageSongs({ ...ref, maxRejectRate: 0 })).resolves.toMatchObject({ files: 1, recordsStaged: 1, recordsRejected: 0 });
  } finally {
    await resources.close();
  }
});
